"""The session detector through MLflow: saved to a temporary directory and loaded back, it scores the same."""

from __future__ import annotations

import mlflow.pyfunc
import numpy as np
import pandas as pd

from ml.risk.detectors import IsolationDetector
from ml.risk.features import SESSION_FEATURES
from ml.risk.pyfunc import SessionRiskPyfunc
from ml.risk.train import RiskParams


def test_round_trip(tmp_path):
    rng = np.random.default_rng(0)
    features = pd.DataFrame(rng.gamma(2.0, 1.0, (300, len(SESSION_FEATURES))), columns=list(SESSION_FEATURES))
    params = RiskParams()
    detector = IsolationDetector(params.rules(), 50, 128, params.contamination, params.seed).fit(features)
    model = SessionRiskPyfunc(detector, params.flag_score)
    expected = model.predict(None, features)
    assert list(expected.columns) == ["score", "flagged"] and expected["flagged"].equals(expected["score"] >= 0.5)

    mlflow.pyfunc.save_model(tmp_path / "session_risk", python_model=model, pip_requirements=[])
    loaded = mlflow.pyfunc.load_model(str(tmp_path / "session_risk"))
    pd.testing.assert_frame_equal(pd.DataFrame(loaded.predict(features)), expected)
