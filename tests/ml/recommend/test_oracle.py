"""The recommender's oracle: the simulator's listed products first, then true preference; discovery filters."""

import numpy as np
import pandas as pd

from ml.recommend.config import RecommenderParams
from ml.recommend.oracle import oracle_lists, with_preferences
from ml.recommend.ranking import prepare

CUTOFF = pd.Timestamp("2024-01-08")


def test_preferences_follow_the_listed_products_without_repeating_them():
    truth = pd.DataFrame({"user_id": ["a", "a"], "cutoff_date": [CUTOFF.date()] * 2, "product_id": ["p1", "p2"],
                          "p_buy_7d": [0.5, 0.1], "rank": [1, 2]})
    preferences = pd.DataFrame({"user_id": ["a", "a", "b"], "product_id": ["p2", "p3", "p1"], "rank": [1, 2, 1]})
    padded = with_preferences(truth, preferences)
    assert padded["product_id"].tolist() == ["p1", "p2", "p3"]  # b is not listed at the cutoff: not added
    assert padded["rank"].is_monotonic_increasing


def test_discovery_leaves_out_what_the_user_bought():
    events = pd.DataFrame({"user_id": ["a", "a"], "product_id": ["p1", "p9"], "event_type": ["purchase", "purchase"],
                           "event_time": [CUTOFF - pd.Timedelta(days=2), CUTOFF + pd.Timedelta(days=1)],
                           "quantity": 1, "order_key": ["o1", "o2"], "price": 1.0})
    products = pd.DataFrame({"product_id": ["p1", "p2", "p9"], "category": "c", "price": 1.0})
    items = pd.Index(["p1", "p2", "p9"])
    cut = prepare(events, CUTOFF, pd.Index(["a"]), items, products, RecommenderParams().popularity_only())
    truth = pd.DataFrame({"user_id": ["a"] * 3, "cutoff_date": [CUTOFF] * 3, "product_id": ["p1", "p9", "p2"], "rank": [1, 2, 3]})
    users = np.array([0])
    assert items[oracle_lists(truth, cut, "replenishment", 2, users)[0]].tolist() == ["p1", "p9"]
    assert items[oracle_lists(truth, cut, "discovery", 2, users)[0]].tolist() == ["p9", "p2"]
