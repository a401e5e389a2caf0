"""The recommender on the real slices in ../shared/data, read into the warehouse's event shape:
Olist's purchase-only orders (almost every customer buys once) and three hours of REES46."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ml.recommend.config import RecommenderParams
from ml.recommend.train import train_recommender

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
OLIST, REES46 = DATA / "olist", DATA / "rees46" / "2019-Oct_head.csv"


def weekly_cutoffs(events: pd.DataFrame) -> list[pd.Timestamp]:
    start, end = events["event_time"].min().normalize(), events["event_time"].max().normalize() + pd.Timedelta(days=1)
    return [c for c in pd.date_range(start + pd.Timedelta(days=7), end, freq="7D") if c + pd.Timedelta(days=7) <= end]


@pytest.mark.skipif(not OLIST.exists(), reason="../shared/data (real Olist slice) is absent")
def test_olist_one_time_buyers_fall_back_to_popularity_with_the_reason():
    orders = pd.read_csv(OLIST / "olist_orders_dataset.csv", parse_dates=["order_purchase_timestamp"])
    items = pd.read_csv(OLIST / "olist_order_items_dataset.csv")
    customers = pd.read_csv(OLIST / "olist_customers_dataset.csv")
    products = pd.read_csv(OLIST / "olist_products_dataset.csv").rename(columns={"product_category_name": "category"})
    lines = items.merge(orders, on="order_id").merge(customers, on="customer_id")
    events = pd.DataFrame({"user_id": lines["customer_unique_id"], "product_id": lines["product_id"], "event_type": "purchase",
                           "event_time": lines["order_purchase_timestamp"], "quantity": 1, "order_key": lines["order_id"],
                           "price": lines["price"]}).sort_values("event_time", kind="stable")
    training = train_recommender(events, products.assign(price=float("nan")), weekly_cutoffs(events), RecommenderParams())
    recommender = training.recommender
    # 3,975 customers, nearly all buying once: no week in which a known user buys again
    assert recommender.ranker is None and "no user bought a proposed item" in recommender.fallback_reason
    assert training.notes == [recommender.fallback_reason]
    lists = recommender.lists  # the customers of the last 90 days, popularity by orders
    assert lists["user_id"].nunique() > 500 and lists.groupby("user_id")["rank"].max().eq(20).all()


@pytest.mark.skipif(not REES46.exists(), reason="../shared/data (real REES46 slice) is absent")
def test_three_hours_of_rees46_get_popular_products_and_the_reason():
    raw = pd.read_csv(REES46, parse_dates=["event_time"])
    events = pd.DataFrame({"user_id": raw["user_id"].astype(str), "product_id": raw["product_id"].astype(str),
                           "event_type": raw["event_type"], "event_time": raw["event_time"].dt.tz_localize(None),
                           "quantity": 1, "order_key": raw["user_session"].where(raw["event_type"] == "purchase"),
                           "price": raw["price"]})
    products = events.drop_duplicates("product_id")[["product_id", "price"]].assign(category=None)
    training = train_recommender(events, products, weekly_cutoffs(events), RecommenderParams())
    assert training.recommender.ranker is None
    assert training.recommender.fallback_reason.startswith("0 weekly cutoffs")
    assert training.recommender.lists["user_id"].nunique() == events["user_id"].nunique()
