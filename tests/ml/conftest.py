"""Small synthetic training sets with a known, non-linear signal, and synthetic product demand."""

import numpy as np
import pandas as pd
import pytest

LABEL = "purchased_next_7d"


def propensity_frame(n_users: int = 500, n_cutoffs: int = 5, seed: int = 0) -> pd.DataFrame:
    """One row per user and weekly cutoff; the label depends non-linearly on the features."""
    rng = np.random.default_rng(seed)
    n = n_users * n_cutoffs
    cutoffs = pd.date_range("2024-01-08", periods=n_cutoffs, freq="7D", tz="UTC")
    views = rng.poisson(4, n)
    carts = rng.binomial(views, 0.15)
    purchases = rng.poisson(0.4, n)
    days_since = np.where(rng.random(n) < 0.4, np.nan, rng.integers(0, 40, n).astype(float))
    rating = np.where(rng.random(n) < 0.7, np.nan, rng.uniform(1, 5, n))
    # interaction + threshold effects a linear model on raw features cannot express
    logit = (
        -1.5
        + 2.0 * ((carts > 0) & (views >= 5))
        + 1.5 * (np.nan_to_num(days_since, nan=99) < 7)
        - 1.5 * (views == 0)
        + 0.5 * np.minimum(purchases, 2)
    )
    label = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame(
        {
            "user_id": [f"u{i % n_users:05d}" for i in range(n)],
            "event_timestamp": np.repeat(cutoffs, n_users),
            LABEL: label,
            "views_7d": views,
            "carts_7d": carts,
            "purchases_7d": purchases,
            "days_since_last_purchase": days_since,
            "mean_review_rating": rating,
            "noise": rng.normal(size=n),
        }
    )


def synthetic_demand(n_products: int = 15, n_days: int = 112, seed: int = 0) -> pd.DataFrame:
    """Poisson daily units with a per-product level, an upward trend and a weekly pattern."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2024-01-01", periods=n_days, freq="D")
    weekly = np.array([1.0, 0.8, 0.8, 1.0, 1.3, 1.8, 1.5])
    rows = []
    for i in range(n_products):
        level = rng.uniform(2, 10)
        rate = level * (1 + 0.01 * np.arange(n_days)) * weekly[days.dayofweek]
        units = rng.poisson(rate)
        price = rng.uniform(5, 50)
        rows.append(
            pd.DataFrame(
                {
                    "product_id": f"p{i:03d}",
                    "demand_date": days.date,
                    "units": units,
                    "mean_price": np.where(units > 0, price, np.nan),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


@pytest.fixture(scope="session")
def demand() -> pd.DataFrame:
    return synthetic_demand()


@pytest.fixture(scope="session")
def frame() -> pd.DataFrame:
    return propensity_frame()


@pytest.fixture(scope="session")
def trained(frame):
    from ml.classifiers import train_classifier

    return train_classifier(frame, LABEL, seed=0)
