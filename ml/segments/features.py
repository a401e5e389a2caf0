"""One behaviour row per user from the warehouse's `user_features_daily`, in raw units and without NaN.

The segment features (one row per user, as of the end of one feature day):
- recency_days: days since the user's last purchase; a user who never bought gets tenure_days + 1,
  longer than any purchase gap that user could have had.
- frequency: orders in the last 365 days (`orders_365d`).
- monetary: spend in the last 365 days (`spend_365d`); 0 where the source has no prices (NULL).
- tenure_days: days since the user was first seen.
- categories: distinct categories viewed or bought in the last 30 days (`distinct_categories_30d`).
- cart_abandonment: share of the last 30 days' carts not bought (`cart_abandonment_rate_30d`); 0 without carts.
- session_minutes: mean session length over the last 30 days (`mean_session_minutes_30d`); 0 without sessions.
- review_rating: the user's mean review rating; users who never reviewed get the mean of the users who did
  (so a missing review says nothing), 0 when nobody reviewed (a constant, so it plays no part in the clusters).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

SEGMENT_FEATURES: tuple[str, ...] = (
    "recency_days",
    "frequency",
    "monetary",
    "tenure_days",
    "categories",
    "cart_abandonment",
    "session_minutes",
    "review_rating",
)

# the user_features_daily columns the segment features come from (all served by Feast's user_activity view)
SOURCE_COLUMNS = ("days_since_last_purchase", "orders_365d", "spend_365d", "tenure_days", "distinct_categories_30d",
                  "cart_abandonment_rate_30d", "mean_session_minutes_30d", "mean_review_rating")


def load_segment_features(warehouse: Path, as_of: date | None = None) -> pd.DataFrame:
    """user_id + SEGMENT_FEATURES (raw units, NaN imputed by the rules in the module docstring) for every user
    seen by the end of day `as_of` (the rows with feature_date = as_of; None = the newest feature_date).

    Raises ValueError when the table has no rows for that day."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        raw = con.execute(
            f"select user_id, {', '.join(SOURCE_COLUMNS)} from user_features_daily "
            "where feature_date = coalesce(?, (select max(feature_date) from user_features_daily)) order by user_id",
            [as_of],
        ).df()
        if raw.empty:
            first, last = con.execute("select min(feature_date), max(feature_date) from user_features_daily").fetchone()
            raise ValueError(f"user_features_daily has no rows for feature_date {as_of or 'newest'} (it holds {first} to {last})")
    rating = raw["mean_review_rating"].astype(float)
    return segment_features(raw, rating.mean() if rating.notna().any() else 0.0)


def segment_features(raw, review_rating_fill: float) -> pd.DataFrame:
    """user_id + SEGMENT_FEATURES from user_id + SOURCE_COLUMNS, the module docstring's rules applied; users who
    never reviewed get `review_rating_fill` (the mean of the day's reviewers; online, the segmenter's mean).
    `raw` may be a frame or a mapping of arrays: the serving API calls it for one user at a time."""

    def column(name: str, fill) -> np.ndarray:
        values = np.asarray(raw[name], dtype="float64")
        return np.where(np.isnan(values), fill, values)

    tenure = np.asarray(raw["tenure_days"], dtype="float64")
    return pd.DataFrame({
        "user_id": np.asarray(raw["user_id"]).astype(str),
        "recency_days": column("days_since_last_purchase", tenure + 1),
        "frequency": column("orders_365d", 0.0),
        "monetary": column("spend_365d", 0.0),
        "tenure_days": tenure,
        "categories": column("distinct_categories_30d", 0.0),
        "cart_abandonment": column("cart_abandonment_rate_30d", 0.0),
        "session_minutes": column("mean_session_minutes_30d", 0.0),
        "review_rating": column("mean_review_rating", review_rating_fill),
    })
