"""A simulated shop written in a real export format, to try ShopLens on sources that lack
whole kinds of events: its purchases as an Online Retail II file (invoices and cancellations,
no views, carts, sessions or reviews)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

ONLINE_RETAIL_COLUMNS = ["Invoice", "StockCode", "Description", "Quantity", "InvoiceDate", "Price", "Customer ID", "Country"]


def online_retail_lines(shop: Path, *, cancel_share: float = 0.02, seed: int = 0) -> pd.DataFrame:
    """The shop's purchase lines as Online Retail II rows, plus a cancellation invoice
    ("C" + invoice, negative quantity, a few days later) for `cancel_share` of the lines."""
    events = pd.read_parquet(Path(shop) / "events", filters=[("event_type", "==", "purchase")])
    events = events.sort_values(["event_time", "event_id"], kind="stable").reset_index(drop=True)
    users = pd.read_parquet(Path(shop) / "users.parquet", columns=["user_id", "country"])
    country = events["user_id"].map(users.set_index("user_id")["country"]).fillna("Unspecified")
    lines = pd.DataFrame({
        "Invoice": events["order_id"].str.removeprefix("o").astype("int64") + 500_000,
        "StockCode": events["product_id"].str.removeprefix("p"),
        "Description": "ITEM " + events["product_id"],
        "Quantity": events["quantity"].fillna(1).astype("int64"),
        "InvoiceDate": events["event_time"],
        "Price": events["price"],
        "Customer ID": events["user_id"].str.removeprefix("u").astype("int64") + 10_000,
        "Country": country,
    }).astype({"Invoice": str})
    rng = np.random.default_rng(seed)
    cancelled = lines[rng.random(len(lines)) < cancel_share]
    cancellations = cancelled.assign(
        Invoice="C" + cancelled["Invoice"],
        Quantity=-cancelled["Quantity"],
        InvoiceDate=cancelled["InvoiceDate"] + pd.to_timedelta(rng.integers(1, 5, len(cancelled)), unit="D"),
    )
    last = lines["InvoiceDate"].max()
    out = pd.concat([lines, cancellations[cancellations["InvoiceDate"] <= last]], ignore_index=True)
    return out.sort_values("InvoiceDate", kind="stable").reset_index(drop=True)[ONLINE_RETAIL_COLUMNS]


def write_online_retail(shop: Path, out: Path, **options) -> int:
    """Write `online_retail_lines` as an Online Retail II CSV (its date format); returns the rows."""
    lines = online_retail_lines(shop, **options)
    lines.assign(InvoiceDate=lines["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M:%S")).to_csv(out, index=False)
    return len(lines)
