"""The chosen session detector as an MLflow pyfunc: session features in, score and flag out."""

from __future__ import annotations

import mlflow.pyfunc
import pandas as pd

from ml.risk.detectors import Detector


class SessionRiskPyfunc(mlflow.pyfunc.PythonModel):
    """`predict` takes SESSION_FEATURES (filled as `load_sessions` does; other columns are ignored) and returns,
    in the input's order, score (on [0, 1], higher = more suspicious) and flagged (score >= flag_score)."""

    def __init__(self, detector: Detector, flag_score: float) -> None:
        self.detector = detector
        self.flag_score = flag_score

    def predict(self, context, model_input: pd.DataFrame, params: dict | None = None) -> pd.DataFrame:
        score = self.detector.score(model_input)
        return pd.DataFrame({"score": score, "flagged": score >= self.flag_score}, index=model_input.index)
