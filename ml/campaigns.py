"""The lists a marketer acts on: who to keep, who to win back, who to widen, each with why.

- retention: customers the CLV model still thinks alive (P(alive) >= min_p_alive) ranked by
  churn risk x expected value (the 90-day expected spend, or purchase days without prices);
- reactivation: dormant customers (no event for dormant_days) whose past value (spend, or orders
  without prices, over 365 days) is in the top `1 - value_quantile` of buyers, ranked by past
  value x P(alive): valuable, and still likely to answer;
- cross_sell: users likely to buy soon (purchase propensity >= min_propensity) who browse at most
  max_categories categories, ranked by propensity.
Each list keeps at most `max_users`; the columns that put a user on a list stay beside them.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from ml.params import param

CAMPAIGNS = ("retention", "reactivation", "cross_sell")
REASON_COLUMNS = ["churn_risk", "p_alive", "expected_value", "past_value", "days_since_last_event",
                  "purchase_propensity", "categories_30d"]
LIST_COLUMNS = ["campaign", "rank", "user_id", "score", "reason", *REASON_COLUMNS]



@dataclass(frozen=True)
class CampaignThresholds:
    """Who qualifies for each list."""

    min_p_alive: float = param(0.5, "Retention: least P(alive) worth a retention offer.")
    dormant_days: int = param(21, "Reactivation: days without any event that make a customer dormant.")
    value_quantile: float = param(0.75, "Reactivation: a dormant customer's past value must reach this quantile of all buyers'.")
    min_propensity: float = param(0.2, "Cross-sell: least purchase propensity.")
    max_categories: int = param(1, "Cross-sell: most categories browsed in 30 days.")
    max_users: int = param(1000, "Most users on each list.")


def load_inputs(warehouse) -> pd.DataFrame:
    """One row per user seen on the newest feature day: their features, CLV and champion scores (NaN where absent)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = {name for (name,) in con.execute("select table_name from information_schema.tables").fetchall()}
        value = ("v.p_alive, v.expected_purchases_90d, v.expected_spend_90d" if "customer_value" in tables
                 else "null::double as p_alive, null::double as expected_purchases_90d, null::double as expected_spend_90d")
        scores = ("s.purchase_propensity, s.churn_risk" if "user_scores" in tables
                  else "null::double as purchase_propensity, null::double as churn_risk")
        joins = (" left join customer_value as v using (user_id)" if "customer_value" in tables else "") + (
            " left join user_scores as s using (user_id)" if "user_scores" in tables else "")
        return con.execute(
            f"""
            select f.user_id, f.days_since_last_event, f.distinct_categories_30d as categories_30d,
                   f.spend_365d, f.orders_365d, {value}, {scores}
            from user_features_daily as f {joins}
            where f.feature_date = (select max(feature_date) from user_features_daily)
            order by f.user_id
            """
        ).df()


def _ranked(frame: pd.DataFrame, campaign: str, score: pd.Series, reason: pd.Series, max_users: int) -> pd.DataFrame:
    picked = frame.assign(campaign=campaign, score=score, reason=reason).sort_values(["score", "user_id"], ascending=[False, True])
    return picked.head(max_users).assign(rank=lambda d: np.arange(1, len(d) + 1))


def campaign_lists(users: pd.DataFrame, thresholds: CampaignThresholds) -> pd.DataFrame:
    """LIST_COLUMNS for every campaign from load_inputs' frame."""
    t = thresholds
    has_spend = users["expected_spend_90d"].notna().any()
    users = users.assign(
        expected_value=users["expected_spend_90d"] if has_spend else users["expected_purchases_90d"],
        past_value=users["spend_365d"] if (users["spend_365d"] > 0).any() else users["orders_365d"].astype(float),
    )
    value_name = "expected 90-day spend" if has_spend else "expected purchase days in 90 days"
    lists = []

    keep = users[(users["p_alive"] >= t.min_p_alive) & users["churn_risk"].notna() & (users["expected_value"] > 0)]
    lists.append(_ranked(keep, "retention", keep["churn_risk"] * keep["expected_value"],
                         "churn risk " + keep["churn_risk"].round(2).astype(str) + f" x {value_name} "
                         + keep["expected_value"].round(2).astype(str) + ", P(alive) " + keep["p_alive"].round(2).astype(str),
                         t.max_users))

    buyers = users[users["past_value"] > 0]
    floor = buyers["past_value"].quantile(t.value_quantile) if len(buyers) else np.inf
    back = buyers[(buyers["days_since_last_event"] >= t.dormant_days) & (buyers["past_value"] >= floor)]
    lists.append(_ranked(back, "reactivation", back["past_value"] * back["p_alive"].fillna(1.0),
                         back["days_since_last_event"].astype(str) + " days quiet, past value "
                         + back["past_value"].round(2).astype(str) + f" (top {1 - t.value_quantile:.0%} of buyers)",
                         t.max_users))

    narrow = users[(users["purchase_propensity"] >= t.min_propensity) & (users["categories_30d"] <= t.max_categories)]
    lists.append(_ranked(narrow, "cross_sell", narrow["purchase_propensity"],
                         "propensity " + narrow["purchase_propensity"].round(2).astype(str) + ", browses "
                         + narrow["categories_30d"].astype(str) + " categories", t.max_users))
    return pd.concat(lists, ignore_index=True)[LIST_COLUMNS]
