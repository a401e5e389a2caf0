"""The per-champion steps of a monitored day, each returning one small record per champion.

`champions` maps a model name to its ml.tracking.Champion; `models` to the loaded estimator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from ml.catalogue import TRAINING_SETS
from monitoring.drift import DriftResult, drift
from monitoring.inputs import input_problems
from monitoring.performance import PerformanceResult, performance
from monitoring.samples import reference_sample
from shoplens.paths import Paths

ID_COLUMNS = ["user_id", "event_timestamp"]
SCORES = [spec.score_column for spec in TRAINING_SETS.values()]


def served_features(reference: pd.DataFrame) -> list[str]:
    """The feature columns of a sample or reference (ids and scores left out)."""
    return [c for c in reference.columns if c not in ID_COLUMNS + SCORES]


@dataclass(frozen=True)
class ChampionInputs:
    model: str
    version: int
    trained_through: date
    reference_rows: int
    days_since_its_data: int
    problems: list[str]


def check_inputs(store, paths: Paths, champions: dict, models: dict, sample: pd.DataFrame, day: date,
                 reference_days: int) -> list[ChampionInputs]:
    """Each champion's reference (built once per version) and what makes it or the day's sample unusable."""
    rows = []
    for model, found in champions.items():
        reference = reference_sample(store, paths.warehouse, paths.reference(model, found.version), found.trained_through,
                                     {model: models[model]}, reference_days)
        problems = input_problems(sample, reference, served_features(reference), [TRAINING_SETS[model].score_column])
        rows.append(ChampionInputs(model, found.version, found.trained_through, len(reference),
                                   (day - found.trained_through).days, [f"{model}: {p}" for p in problems]))
    return rows


@dataclass(frozen=True)
class ScoreDrift:
    model: str
    version: int
    result: DriftResult
    current_mean: float

    @property
    def test(self) -> pd.Series:
        return self.result.columns.iloc[0]

    @property
    def drifted(self) -> bool:
        return bool(self.test["drifted"])

    def summary(self) -> dict:
        return {**self.result.summary(), "current_mean": self.current_mean}


def score_drift(paths: Paths, champions: dict, sample: pd.DataFrame, timestamp: datetime, p_value: float) -> list[ScoreDrift]:
    """Each champion's scores of the day against its scores over its training window."""
    rows = []
    for model, champion in champions.items():
        score = TRAINING_SETS[model].score_column
        result = drift(sample, pd.read_parquet(paths.reference(model, champion.version)), [score],
                       timestamp=timestamp, tags=["prediction_drift", model], p_value=p_value)
        rows.append(ScoreDrift(model, champion.version, result, float(sample[score].mean())))
    return rows


@dataclass(frozen=True)
class ChampionPerformance:
    model: str
    version: int
    validation_roc_auc: float | None
    result: PerformanceResult | None  # None while no label after its training data has matured

    @property
    def matured_rows(self) -> int:
        return self.result.realised["rows"] if self.result else 0

    @property
    def auc_drop(self) -> float | None:
        return self.result.auc_drop if self.result else None


def realised_performance(store, paths: Paths, champions: dict, models: dict, day: date,
                         timestamp: datetime) -> list[ChampionPerformance]:
    """Each champion scored on the cutoffs after its training data whose labels have matured by `day`."""
    from ml.feature_store import labelled_entities
    from ml.scoring import score_users

    rows = []
    for model, champion in champions.items():
        spec = TRAINING_SETS[model]
        validation = {name: champion.metrics.get(f"test_{name}") for name in ("roc_auc", "pr_auc", "calibration_error")}
        labelled = labelled_entities(paths.warehouse, model, as_of=day)
        labelled = labelled[labelled["event_timestamp"].dt.date > champion.trained_through]
        if labelled.empty:
            rows.append(ChampionPerformance(model, champion.version, validation["roc_auc"], None))
            continue
        scored = score_users(store, labelled[ID_COLUMNS], {model: models[model]})
        frame = pd.DataFrame({"label": labelled[spec.label].to_numpy(), "score": scored[spec.score_column].to_numpy(),
                              "cutoff": labelled["event_timestamp"].to_numpy()})
        result = performance(frame, validation, timestamp=timestamp, tags=["model_performance", model])
        rows.append(ChampionPerformance(model, champion.version, validation["roc_auc"], result))
    return rows
