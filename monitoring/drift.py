"""Drift of features and scores: one Evidently data-drift report, read back into plain figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd


@dataclass(frozen=True)
class DriftResult:
    """Per-column drift tests of one report, and the Evidently snapshot they came from."""

    columns: pd.DataFrame  # column, method, threshold, score, drifted
    snapshot: object
    current_rows: int
    reference_rows: int

    @property
    def share(self) -> float:
        """Share of tested columns whose drift test failed."""
        return float(self.columns["drifted"].mean()) if len(self.columns) else 0.0

    @property
    def drifted(self) -> list[str]:
        return self.columns.loc[self.columns["drifted"], "column"].tolist()

    def summary(self) -> dict:
        return {
            "share_drifted": self.share,
            "drifted_columns": self.drifted,
            "current_rows": self.current_rows,
            "reference_rows": self.reference_rows,
            "columns": self.columns.to_dict(orient="records"),
        }


def drift(current: pd.DataFrame, reference: pd.DataFrame, columns: list[str], *, timestamp: datetime | None = None,
          tags: list[str] | None = None, p_value: float = 0.05) -> DriftResult:
    """Test every column of `current` against `reference` with a two-sample K-S test: a column
    drifted when its p-value is below `p_value`.

    Evidently's default would switch to the Wasserstein distance above 1 000 reference rows,
    which flags most columns of a 100-row day as drifted on clean days: a day's sample is
    small, so we keep a test whose false-alarm rate is its level.
    """
    from evidently import DataDefinition, Dataset, Report
    from evidently.presets import DataDriftPreset

    missing = sorted(set(columns) - set(current.columns) | set(columns) - set(reference.columns))
    if missing:
        raise ValueError(f"drift: column(s) {', '.join(missing)} missing from the current or reference rows")
    if current.empty or reference.empty:
        raise ValueError(f"drift: {len(current)} current and {len(reference)} reference rows; both must have rows")

    definition = DataDefinition(numerical_columns=columns)
    report = Report([DataDriftPreset(columns=columns, method="ks", threshold=p_value)], include_tests=True, tags=tags)
    snapshot = report.run(
        Dataset.from_pandas(current[columns], data_definition=definition),
        Dataset.from_pandas(reference[columns], data_definition=definition),
        timestamp=timestamp,
    )
    result = snapshot.dict()
    failed = {test["metric_config"]["metric_id"] for test in result["tests"] if test["status"] == "FAIL"}
    rows = [
        {"column": m["config"]["column"], "method": m["config"]["method"], "threshold": m["config"]["threshold"],
         "score": float(m["value"]), "drifted": m["id"] in failed}
        for m in result["metrics"]
        if m["config"]["type"].endswith(":ValueDrift")
    ]
    return DriftResult(pd.DataFrame(rows), snapshot, len(current), len(reference))


def distinct_features(reference: pd.DataFrame, features: list[str], max_correlation: float = 0.95) -> dict[str, list[str]]:
    """Each feature that counts in the drift share -> the near-copies it stands for (|Spearman rho|
    >= `max_correlation` on the reference, first in `features` order kept). In a shop younger than
    90 days the 90- and 365-day counts are the same column; counting both would turn one shift
    into several drifted features."""
    correlation = reference[features].corr(method="spearman").abs()
    groups: dict[str, list[str]] = {}
    for feature in features:
        twin = next((kept for kept in groups if correlation.loc[feature, kept] >= max_correlation), None)
        if twin is None:
            groups[feature] = []
        else:
            groups[twin].append(feature)
    return groups
