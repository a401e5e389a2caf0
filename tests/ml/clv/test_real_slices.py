"""CLV on the real slices in ../shared/data: Olist's orders (almost every customer buys once) and
three hours of REES46. Neither crashes; each says what it could not do."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ml.clv.data import Window
from ml.clv.model import ClvParams
from ml.clv.train import CannotFit, train_clv

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
OLIST, REES46 = DATA / "olist", DATA / "rees46" / "2019-Oct_head.csv"


def _window(days: pd.DataFrame, has_prices: bool) -> Window:
    return Window(days["day"].min().date(), days["day"].max().date(), has_prices)


@pytest.mark.skipif(not OLIST.exists(), reason="../shared/data (real Olist slice) is absent")
def test_olist_one_time_buyers_fit_purchases_and_say_why_there_is_no_spend():
    orders = pd.read_csv(OLIST / "olist_orders_dataset.csv", parse_dates=["order_purchase_timestamp"])
    items = pd.read_csv(OLIST / "olist_order_items_dataset.csv")
    customers = pd.read_csv(OLIST / "olist_customers_dataset.csv")
    lines = items.merge(orders, on="order_id").merge(customers, on="customer_id")
    days = (lines.assign(day=lines["order_purchase_timestamp"].dt.normalize())
            .groupby(["customer_unique_id", "day"], as_index=False)["price"].sum()
            .rename(columns={"customer_unique_id": "user_id", "price": "value"}))
    training = train_clv(days, _window(days, True), ClvParams())
    assert training.metrics["calibration_customers"] > 3000 and training.metrics["repeat_customers"] < 10
    assert training.model.spend is None
    assert any("repeat customers: the purchase model's estimates rest on very few" in n for n in training.notes)
    assert any(n.startswith("no spend: ") for n in training.notes)
    value = training.model.value(training.holdout.drop(columns=["actual", "predicted", "baseline"]))
    assert value["p_alive"].between(0, 1).all() and value["expected_purchases_90d"].ge(0).all()
    assert value["expected_spend_90d"].isna().all()


@pytest.mark.skipif(not REES46.exists(), reason="../shared/data (real REES46 slice) is absent")
def test_three_hours_of_rees46_are_too_short_and_say_so():
    events = pd.read_csv(REES46, usecols=["event_time", "event_type", "user_id", "price"], parse_dates=["event_time"])
    bought = events[events["event_type"] == "purchase"]
    days = (bought.assign(day=bought["event_time"].dt.tz_localize(None).dt.normalize())
            .groupby(["user_id", "day"], as_index=False)["price"].sum().rename(columns={"price": "value"}))
    with pytest.raises(CannotFit, match=r"1 day of data .* CLV needs 21 days of calibration and a 28-day holdout"):
        train_clv(days, _window(days, True), ClvParams())
