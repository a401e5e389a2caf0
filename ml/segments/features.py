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

_QUERY = """
select
    user_id,
    days_since_last_purchase,
    coalesce(orders_365d, 0) as frequency,
    coalesce(spend_365d, 0) as monetary,
    tenure_days,
    coalesce(distinct_categories_30d, 0) as categories,
    coalesce(cart_abandonment_rate_30d, 0) as cart_abandonment,
    coalesce(mean_session_minutes_30d, 0) as session_minutes,
    mean_review_rating as review_rating
from user_features_daily
where feature_date = coalesce(?, (select max(feature_date) from user_features_daily))
order by user_id
"""


def load_segment_features(warehouse: Path, as_of: date | None = None) -> pd.DataFrame:
    """user_id + SEGMENT_FEATURES (raw units, NaN imputed by the rules in the module docstring) for every user
    seen by the end of day `as_of` (the rows with feature_date = as_of; None = the newest feature_date).

    Raises ValueError when the table has no rows for that day."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        raw = con.execute(_QUERY, [as_of]).df()
        if raw.empty:
            first, last = con.execute("select min(feature_date), max(feature_date) from user_features_daily").fetchone()
            raise ValueError(f"user_features_daily has no rows for feature_date {as_of or 'newest'} (it holds {first} to {last})")
    tenure = raw["tenure_days"].astype(float)
    rating = raw["review_rating"].astype(float)
    features = pd.DataFrame(
        {
            "user_id": raw["user_id"].astype(str),
            "recency_days": raw["days_since_last_purchase"].astype(float).fillna(tenure + 1),
            "frequency": raw["frequency"].astype(float),
            "monetary": raw["monetary"].astype(float),
            "tenure_days": tenure,
            "categories": raw["categories"].astype(float),
            "cart_abandonment": raw["cart_abandonment"].astype(float),
            "session_minutes": raw["session_minutes"].astype(float),
            "review_rating": rating.fillna(rating.mean() if rating.notna().any() else 0.0),
        }
    )
    return features[["user_id", *SEGMENT_FEATURES]]
