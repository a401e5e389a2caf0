"""Scoring users with the champion models: who is active, their features, their scores."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from ml.catalogue import TRAINING_SETS
from ml.classifiers import predict_proba
from ml.feature_store import training_set
from ml.holdout import model_features

ACTIVE_DAYS = 30


def latest_feature_day(warehouse: Path) -> date:
    """The newest day the user features cover."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute("select max(feature_date) from user_features_daily").fetchone()[0]


def active_users(warehouse: Path, days: list[date] | None = None, within_days: int = ACTIVE_DAYS) -> pd.DataFrame:
    """Feast's entity dataframe of the users with an event in the `within_days` up to each day
    (default: the newest feature day), stamped when that day's features become known."""
    day_filter = ("list_contains(?, feature_date)" if days
                  else "feature_timestamp = (select max(feature_timestamp) from user_features_daily)")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        entities = con.execute(
            f"""
            select user_id, feature_timestamp as event_timestamp from user_features_daily
            where {day_filter} and days_since_last_event < {within_days}
            order by feature_timestamp, user_id
            """,
            [list(days)] if days else None,
        ).df()
    entities["event_timestamp"] = entities["event_timestamp"].dt.tz_localize("UTC")
    return entities


def score(model, features: pd.DataFrame) -> pd.Series:
    """Probabilities of `model` for the rows of `features` (which hold its feature columns)."""
    return pd.Series(predict_proba(model, features, model_features(model)), index=features.index)


def score_users(store, entities: pd.DataFrame, champions: dict) -> pd.DataFrame:
    """The entities with every feature the champions read and each champion's score column
    (no entities: returned as they are, without asking Feast)."""
    scored = entities.reset_index(drop=True)
    if scored.empty:
        return scored
    for model, champion in champions.items():
        spec = TRAINING_SETS[model]
        retrieved = training_set(store, entities, spec.service)
        retrieved["event_timestamp"] = retrieved["event_timestamp"].astype(scored["event_timestamp"].dtype)
        features = scored[["user_id", "event_timestamp"]].merge(retrieved, on=["user_id", "event_timestamp"], how="left")
        new = [c for c in features.columns if c not in scored.columns]
        scored = pd.concat([scored, features[new]], axis=1)
        scored[spec.score_column] = score(champion, features).to_numpy()
    return scored


def deciles_among(scores: np.ndarray, population: np.ndarray) -> np.ndarray:
    """1..10 (10 = highest): 1 + floor(10 x the share of the population scoring strictly lower). Equal scores share
    a decile, so a user scored online gets the decile the batch gave, from the batch's scores alone."""
    ranked = np.sort(np.asarray(population, dtype="float64"))
    return 1 + (10 * np.searchsorted(ranked, scores, side="left")) // len(ranked)


def write_scores(warehouse: Path, scores: pd.DataFrame) -> None:
    """Replace the `user_scores` table, adding the propensity decile (10 = most likely to buy)."""
    propensity = scores["purchase_propensity"].to_numpy("float64")
    scores = scores.assign(propensity_decile=deciles_among(propensity, propensity) if len(scores) else [])
    with duckdb.connect(str(warehouse)) as con:
        con.register("scores", scores)
        con.execute("create or replace table user_scores as select * from scores")


def active_counts(warehouse: Path) -> dict[date, int]:
    """Users with an event on each feature day."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return dict(con.execute(
            "select feature_date, count(*) from user_features_daily where days_since_last_event = 0 group by 1"
        ).fetchall())
