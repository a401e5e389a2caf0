"""How a champion really performs once the labels of its predictions have matured."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd

from ml.evaluate import calibration_error, pr_auc, roc_auc

LABEL, SCORE = "label", "score"


@dataclass(frozen=True)
class PerformanceResult:
    """Realised metrics on matured labels beside the champion's figures at training time."""

    realised: dict
    validation: dict
    snapshot: object

    @property
    def auc_drop(self) -> float | None:
        """Validation ROC AUC minus realised ROC AUC (positive = worse now); None when unknown."""
        if self.realised.get("roc_auc") is None or self.validation.get("roc_auc") is None:
            return None
        return self.validation["roc_auc"] - self.realised["roc_auc"]

    def summary(self) -> dict:
        return {"realised": self.realised, "validation": self.validation, "auc_drop": self.auc_drop}


def performance(scored: pd.DataFrame, validation: dict, *, timestamp: datetime | None = None,
                tags: list[str] | None = None) -> PerformanceResult:
    """ROC AUC, PR AUC and calibration error of `scored` (columns label, score, cutoff) with
    an Evidently classification report. The AUCs need both classes: with one, they are None
    and the report only summarises labels and scores."""
    from evidently import BinaryClassification, DataDefinition, Dataset, Report
    from evidently.presets import ClassificationPreset, DataSummaryPreset

    if scored.empty:
        raise ValueError("performance: no scored rows with matured labels")
    y, p = scored[LABEL].astype(int), scored[SCORE]
    both = y.nunique() == 2
    realised = {
        "rows": len(scored),
        "cutoffs": int(scored["cutoff"].nunique()),
        "positive_rate": float(y.mean()),
        "roc_auc": roc_auc(y, p) if both else None,
        "pr_auc": pr_auc(y, p) if both else None,
        "calibration_error": calibration_error(y, p),
    }
    frame = pd.DataFrame({"target": y, "prediction": p})
    definition = DataDefinition(
        classification=[BinaryClassification(target="target", prediction_probas="prediction")],
        numerical_columns=["prediction"],
    )
    snapshot = Report([ClassificationPreset() if both else DataSummaryPreset()], tags=tags).run(
        Dataset.from_pandas(frame, data_definition=definition), None, timestamp=timestamp
    )
    return PerformanceResult(realised, validation, snapshot)
