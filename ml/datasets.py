"""Time-based train/validation/test splits of a training set (one row per user and weekly cutoff)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import pandas as pd

ID_COLUMNS = ("user_id", "product_id")
TIME_COLUMN = "event_timestamp"
MIN_CUTOFFS = 3  # train, validation, test


class TooLittleData(ValueError):
    """The data cannot train or test a model (too few cutoffs, a single class): a reason, not a crash."""


@dataclass(frozen=True)
class Split:
    """Rows of a training set divided by cutoff: earlier cutoffs train, then validation, then test."""

    train: pd.DataFrame
    valid: pd.DataFrame
    test: pd.DataFrame
    label: str
    features: list[str]
    time_col: str = TIME_COLUMN

    def cutoffs(self, part: str) -> list[pd.Timestamp]:
        """Sorted distinct cutoffs of one part ("train", "valid" or "test")."""
        return sorted(getattr(self, part)[self.time_col].unique())

    @property
    def X_train(self) -> pd.DataFrame:
        return self.train[self.features]

    @property
    def y_train(self) -> pd.Series:
        return self.train[self.label].astype(int)

    @property
    def X_valid(self) -> pd.DataFrame:
        return self.valid[self.features]

    @property
    def y_valid(self) -> pd.Series:
        return self.valid[self.label].astype(int)

    @property
    def X_test(self) -> pd.DataFrame:
        return self.test[self.features]

    @property
    def y_test(self) -> pd.Series:
        return self.test[self.label].astype(int)


def without_small_cutoffs(frame: pd.DataFrame, min_rows: int, time_col: str = TIME_COLUMN) -> tuple[pd.DataFrame, dict[str, int]]:
    """The rows of cutoffs with at least `min_rows` rows, and the others ('YYYY-MM-DD' -> rows):
    a cutoff opened by a few stray events is too small to learn or test on."""
    sizes = frame.groupby(time_col).size()
    small = sizes[sizes < min_rows]
    kept = frame[~frame[time_col].isin(small.index)].reset_index(drop=True)
    return kept, {f"{cutoff:%Y-%m-%d}": int(n) for cutoff, n in small.items()}


def informative(frame: pd.DataFrame, features: list[str]) -> tuple[list[str], list[str]]:
    """(features with at least two distinct values, the rest): a constant or all-null column
    (a source without views, prices or reviews) teaches nothing and is dropped."""
    keep = [f for f in features if frame[f].nunique(dropna=True) > 1]
    return keep, [f for f in features if f not in keep]


def feature_columns(frame: pd.DataFrame, label: str, time_col: str = TIME_COLUMN) -> list[str]:
    """Numeric (non-boolean) columns except ids, the cutoff and the label, in frame order."""
    excluded = {label, time_col, *ID_COLUMNS}
    return [
        col
        for col in frame.columns
        if col not in excluded
        and pd.api.types.is_numeric_dtype(frame[col])
        and not pd.api.types.is_bool_dtype(frame[col])
    ]


def time_split(frame: pd.DataFrame, label: str, time_col: str = TIME_COLUMN) -> Split:
    """Split by cutoff, never by random rows: test = the last cutoff, validation = the one before,
    train = all earlier cutoffs. Needs at least 3 distinct cutoffs (then 1/1/1)."""
    cutoffs = sorted(frame[time_col].unique())
    if len(cutoffs) < MIN_CUTOFFS:
        raise TooLittleData(f"{len(cutoffs)} mature label cutoff(s); a time split needs {MIN_CUTOFFS} "
                            "(the data covers too few weeks)")
    valid_cutoff, test_cutoff = cutoffs[-2], cutoffs[-1]
    at = frame[time_col]
    return Split(
        train=frame[at < valid_cutoff].reset_index(drop=True),
        valid=frame[at == valid_cutoff].reset_index(drop=True),
        test=frame[at == test_cutoff].reset_index(drop=True),
        label=label,
        features=feature_columns(frame, label, time_col),
        time_col=time_col,
    )


def fingerprint(frame: pd.DataFrame) -> str:
    """Stable 16-hex-digit hash of a frame's content, index, column names and dtypes."""
    digest = hashlib.sha256()
    digest.update(repr([(str(c), str(t)) for c, t in frame.dtypes.items()]).encode())
    digest.update(pd.util.hash_pandas_object(frame, index=True).to_numpy().tobytes())
    return digest.hexdigest()[:16]
