"""Batch scoring of active users with the champion models."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd

from ml.classifiers import predict_proba
from ml.holdout import model_features

ACTIVE_DAYS = 30


def active_users(warehouse: Path) -> pd.DataFrame:
    """Users with an event in the last 30 days, as of the newest feature day (Feast's entity dataframe)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        entities = con.execute(
            f"""
            select user_id, feature_timestamp as event_timestamp from user_features_daily
            where feature_timestamp = (select max(feature_timestamp) from user_features_daily)
              and days_since_last_event < {ACTIVE_DAYS}
            order by user_id
            """
        ).df()
    entities["event_timestamp"] = entities["event_timestamp"].dt.tz_localize("UTC")
    return entities


def score(model, features: pd.DataFrame) -> pd.Series:
    """Probabilities of `model` for the rows of `features` (which hold its feature columns)."""
    return pd.Series(predict_proba(model, features, model_features(model)), index=features.index)


def write_scores(warehouse: Path, scores: pd.DataFrame) -> None:
    """Replace the `user_scores` table, adding the propensity decile (10 = most likely to buy)."""
    with duckdb.connect(str(warehouse)) as con:
        con.register("scores", scores)
        con.execute(
            """
            create or replace table user_scores as
            select *, ntile(10) over (order by purchase_propensity) as propensity_decile from scores
            """
        )
