"""The rows monitoring compares: the users active on a day, the features the champions read,
and the champions' scores; and the same for the days each champion was trained on."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from ml.scoring import active_users, score_users

REFERENCE_DAYS = 14  # the champion's last days of training data make its reference


def day_sample(store, warehouse: Path, days: list[date], champions: dict) -> pd.DataFrame:
    """Users with an event on each of `days`, with features and every champion's score."""
    return score_users(store, active_users(warehouse, days, within_days=1), champions)


def reference_sample(store, warehouse: Path, path: Path, trained_through: date, champions: dict,
                     days: int = REFERENCE_DAYS) -> pd.DataFrame:
    """The day sample over a champion's last `days` days of training data, kept at `path` (one per version)."""
    if path.exists():
        return pd.read_parquet(path)
    window = [trained_through - timedelta(days=n) for n in range(days)]
    sample = day_sample(store, warehouse, window, champions)
    path.parent.mkdir(parents=True, exist_ok=True)
    sample.to_parquet(path, index=False)
    return sample
