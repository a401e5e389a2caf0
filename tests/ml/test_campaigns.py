"""Campaign lists from a hand-made population: who qualifies for each list, in which order, and why."""

import duckdb
import numpy as np
import pandas as pd
import pytest

from ml.campaigns import LIST_COLUMNS, CampaignThresholds, campaign_lists, load_inputs
from ml.warehouse import read_table, replace_table


def _users(**changes) -> pd.DataFrame:
    users = pd.DataFrame({
        "user_id": ["keep-hi", "keep-lo", "dead", "dormant-rich", "dormant-poor", "narrow", "wide"],
        "days_since_last_event": [2, 3, 40, 30, 30, 1, 1],
        "categories_30d": [3, 3, 0, 0, 0, 1, 4],
        "spend_365d": [500.0, 100.0, 80.0, 900.0, 10.0, 50.0, 60.0],
        "orders_365d": [9, 2, 1, 12, 1, 1, 1],
        "p_alive": [0.9, 0.8, 0.2, 0.6, 0.9, 0.95, 0.95],
        "expected_purchases_90d": [3.0, 1.0, 0.1, 0.5, 0.2, 1.0, 1.0],
        "expected_spend_90d": [300.0, 50.0, 5.0, 40.0, 2.0, 40.0, 40.0],
        "purchase_propensity": [0.1, 0.1, np.nan, np.nan, np.nan, 0.6, 0.7],
        "churn_risk": [0.5, 0.9, np.nan, np.nan, np.nan, 0.1, 0.1],
    })
    return users.assign(**changes)


def test_each_list_takes_the_users_its_rule_names_ranked_by_its_score():
    lists = campaign_lists(_users(), CampaignThresholds(value_quantile=0.75))
    assert list(lists.columns) == LIST_COLUMNS
    by = {c: rows for c, rows in lists.groupby("campaign")}
    # churn x expected spend: 0.5 * 300 beats 0.9 * 50; "dead" has P(alive) 0.2
    assert list(by["retention"]["user_id"][:2]) == ["keep-hi", "keep-lo"] and "dead" not in set(by["retention"]["user_id"])
    assert by["retention"]["reason"].iloc[0] == "churn risk 0.5 x expected 90-day spend 300.0, P(alive) 0.9"
    assert list(by["reactivation"]["user_id"]) == ["dormant-rich"]  # the poor dormant one is not valuable
    assert list(by["cross_sell"]["user_id"]) == ["narrow"]  # "wide" browses four categories
    for rows in by.values():
        assert list(rows["rank"]) == list(range(1, len(rows) + 1)) and rows["score"].is_monotonic_decreasing


def test_without_prices_value_is_counted_in_purchases_and_orders():
    users = _users(spend_365d=np.nan, expected_spend_90d=np.nan)
    users["spend_365d"] = 0.0
    lists = campaign_lists(users, CampaignThresholds())
    retention = lists[lists["campaign"] == "retention"]
    assert retention["reason"].str.contains("expected purchase days in 90 days").all()
    assert retention["expected_value"].tolist()[:2] == [3.0, 1.0]  # 0.5 * 3 purchase days beat 0.9 * 1
    assert set(lists[lists["campaign"] == "reactivation"]["user_id"]) == {"dormant-rich"}


def test_max_users_caps_every_list():
    lists = campaign_lists(_users(), CampaignThresholds(max_users=1, min_p_alive=0.0))
    assert lists.groupby("campaign").size().max() == 1


def test_inputs_load_without_the_model_tables(tmp_path):
    warehouse = tmp_path / "shop's — ü.duckdb"
    features = pd.DataFrame({"user_id": ["a", "b"], "feature_date": pd.to_datetime(["2024-01-02"] * 2),
                             "days_since_last_event": [1, 30], "distinct_categories_30d": [1, 0],
                             "spend_365d": [10.0, 20.0], "orders_365d": [1, 2]})
    replace_table(warehouse, "user_features_daily", features)
    inputs = load_inputs(warehouse)
    assert inputs["p_alive"].isna().all() and inputs["churn_risk"].isna().all() and len(inputs) == 2
    lists = campaign_lists(inputs, CampaignThresholds(value_quantile=0.5))
    assert set(lists["campaign"]) == {"reactivation"} and list(lists["user_id"]) == ["b"]
    assert read_table(warehouse, "customer_value") is None
    with pytest.raises(ValueError, match="not a table name"):
        replace_table(warehouse, "x; drop table y", features)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from user_features_daily").fetchone()[0] == 2
