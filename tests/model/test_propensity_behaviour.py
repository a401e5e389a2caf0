"""Directional behaviour of the purchase-propensity model."""

import numpy as np
import pandas as pd
import pytest

from ml.classifiers import predict_proba, train_classifier

LABEL = "purchased_next_7d"


def recency_frame(n_users: int = 1000, n_cutoffs: int = 4, seed: int = 0) -> pd.DataFrame:
    """Buying recently and often raises the chance of buying again; views add a little."""
    rng = np.random.default_rng(seed)
    n = n_users * n_cutoffs
    purchases = rng.poisson(0.5, n)
    days_since = np.where(purchases > 0, rng.integers(0, 7, n), rng.integers(7, 45, n)).astype(float)
    days_since[rng.random(n) < 0.3] = np.nan  # never bought
    views = rng.poisson(3, n)
    recency = np.nan_to_num(days_since, nan=60)
    logit = -2.0 + 0.8 * np.minimum(purchases, 3) - 0.05 * recency + 0.1 * views
    return pd.DataFrame(
        {
            "user_id": [f"u{i % n_users:05d}" for i in range(n)],
            "event_timestamp": np.repeat(pd.date_range("2024-01-08", periods=n_cutoffs, freq="7D", tz="UTC"), n_users),
            LABEL: rng.random(n) < 1 / (1 + np.exp(-logit)),
            "purchases_7d": purchases,
            "days_since_last_purchase": days_since,
            "views_7d": views,
        }
    )


@pytest.fixture(scope="module")
def result():
    return train_classifier(recency_frame(), LABEL, seed=0)


def test_recent_buyer_scores_higher(result):
    base = {"user_id": "u", "event_timestamp": pd.Timestamp("2024-03-01", tz="UTC"), "views_7d": 3}
    users = pd.DataFrame(
        [
            {**base, "purchases_7d": 0, "days_since_last_purchase": 30.0},
            {**base, "purchases_7d": 2, "days_since_last_purchase": 2.0},
        ]
    )
    lapsed, recent = predict_proba(result.model, users, result.features)
    assert recent > lapsed


def test_more_recent_purchases_raise_propensity_for_most_users(result):
    users = result.split.test.copy()
    more_recent = users.assign(
        purchases_7d=users["purchases_7d"] + 2,
        days_since_last_purchase=np.minimum(users["days_since_last_purchase"].fillna(60), 2.0),
    )
    before = predict_proba(result.model, users, result.features)
    after = predict_proba(result.model, more_recent, result.features)
    assert (after >= before).mean() > 0.85
    assert after.mean() > before.mean() + 0.02
