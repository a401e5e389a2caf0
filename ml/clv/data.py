"""What the CLV model reads from the warehouse: each customer's purchase days, and the data window."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pandas as pd


@dataclass(frozen=True)
class Window:
    """The dense days of data (int_data_window) and whether the source knows prices."""

    start: date
    end: date  # the last dense day
    has_prices: bool

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def load_window(warehouse: Path, until: date | None = None) -> Window | None:
    """The data window (ending at `until` when given); None when the source has no events."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        row = con.execute("select data_start_date, data_end_date, has_prices from int_data_window").fetchone()
    if row is None or row[0] is None:
        return None
    start, end, has_prices = row
    return Window(start, min(end, until) if until else end, bool(has_prices))


def load_purchase_days(warehouse: Path, window: Window) -> tuple[pd.DataFrame, int]:
    """One row per customer and day with an order in the window (user_id, day, value: the day's revenue,
    NaN where prices are unknown), excluded sessions (bots) and cancellations left out; and the orders
    before the window's start (stray early events) that were left out."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        days = con.execute(
            """
            select o.user_id, o.order_date::date as day, sum(o.revenue) as value
            from fct_orders as o
            left join excluded_sessions as x on o.session_key = x.session_key
            where not o.is_cancellation and x.session_key is null
              and o.order_date::date between ? and ?
            group by 1, 2
            order by 1, 2
            """,
            [window.start, window.end],
        ).df()
        (before,) = con.execute(
            "select count(*) from fct_orders where not is_cancellation and order_date::date < ?", [window.start]
        ).fetchone()
    days["day"] = pd.to_datetime(days["day"])
    return days, int(before)


def rfm_summary(purchase_days: pd.DataFrame, end: date) -> pd.DataFrame:
    """Per customer with a purchase before `end` (exclusive): frequency (repeat purchase days), recency
    (days from the first to the last purchase), T (days from the first purchase to `end`), monetary_value
    (mean value of the repeat purchase days; NaN without repeats or prices), as in BTYD."""
    cal = purchase_days[purchase_days["day"] < pd.Timestamp(end)].sort_values(["user_id", "day"])
    by_user = cal.groupby("user_id", sort=True)
    first, last = by_user["day"].min(), by_user["day"].max()
    repeats = cal[cal["day"] > cal["user_id"].map(first)]
    return pd.DataFrame({
        "frequency": by_user.size() - 1,
        "recency": (last - first).dt.days.astype(float),
        "T": (pd.Timestamp(end) - first).dt.days.astype(float),
        "monetary_value": repeats.groupby("user_id")["value"].mean(),
    }).rename_axis("user_id").reset_index()


# `customer_rfm`: what customer_value values and the online store serves (Feast's `customer_rfm` view)
SUMMARY_COLUMNS = {"user_id": "varchar", "feature_timestamp": "timestamptz", "frequency": "bigint", "recency": "double",
                   "T": "double", "monetary_value": "double"}


def customer_summaries(warehouse: Path, until: date | None = None) -> pd.DataFrame:
    """Every customer's rfm_summary at the end of the data window (ending at `until`), with `feature_timestamp`:
    the midnight after that day, when the summary is known. No rows when the source has no events."""
    window = load_window(warehouse, until)
    if window is None:
        return pd.DataFrame(columns=list(SUMMARY_COLUMNS))
    purchase_days, _ = load_purchase_days(warehouse, window)
    end = window.end + timedelta(days=1)
    return rfm_summary(purchase_days, end).assign(feature_timestamp=pd.Timestamp(end, tz="UTC"))[list(SUMMARY_COLUMNS)]


def purchases_between(purchase_days: pd.DataFrame, start: date, days: int) -> pd.Series:
    """Purchase days per customer in [start, start + days)."""
    inside = purchase_days["day"].between(pd.Timestamp(start), pd.Timestamp(start + timedelta(days=days - 1)))
    return purchase_days[inside].groupby("user_id").size()
