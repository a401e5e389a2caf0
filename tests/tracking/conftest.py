"""One MLflow store per session (creating its SQLite schema costs seconds), tiny real models."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

SEED = 7


@pytest.fixture(scope="session")
def mlflow_data_dir(tmp_path_factory) -> Path:
    """A data directory shared by the tracking tests: each test registers its own model name."""
    return tmp_path_factory.mktemp("tracking_data")


@pytest.fixture(scope="session")
def settings(mlflow_data_dir):
    from shoplens.settings import Settings

    return Settings(data_dir=mlflow_data_dir)


@pytest.fixture(scope="session")
def frame() -> pd.DataFrame:
    """200 synthetic users: the label depends on sessions and recency."""
    rng = np.random.default_rng(SEED)
    n = 200
    x = pd.DataFrame(
        {
            "sessions_7d": rng.poisson(3, n).astype("float64"),
            "days_since_last_order": rng.integers(0, 60, n).astype("float64"),
            "avg_order_value": rng.gamma(2.0, 20.0, n),
        }
    )
    logit = 0.6 * x["sessions_7d"] - 0.08 * x["days_since_last_order"] + rng.normal(0, 0.5, n)
    x["label"] = (logit > logit.median()).astype("int64")
    return x


@pytest.fixture(scope="session")
def features(frame) -> pd.DataFrame:
    return frame.drop(columns="label")


@pytest.fixture(scope="session")
def xgb_classifier(frame, features):
    from xgboost import XGBClassifier

    model = XGBClassifier(n_estimators=10, max_depth=3, n_jobs=1, random_state=SEED)
    return model.fit(features, frame["label"])


@pytest.fixture(scope="session")
def sklearn_classifier(frame, features):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(max_iter=500).fit(features, frame["label"])


@pytest.fixture(scope="session")
def uninformed_classifier(frame, features):
    """Scores every user with the base rate: calibrated, ROC AUC 0.5."""
    from sklearn.dummy import DummyClassifier

    return DummyClassifier(strategy="prior").fit(features, frame["label"])


@pytest.fixture(scope="session")
def plot_file(tmp_path_factory) -> Path:
    """A stand-in plot (the registry only stores the bytes)."""
    path = tmp_path_factory.mktemp("plots") / "roc.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\nnot really a png")
    return path
