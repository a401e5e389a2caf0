"""The sentiment model through MLflow: saved to and loaded from a temporary directory, it gives the same scores."""

from __future__ import annotations

import mlflow
import numpy as np
import pandas as pd

from ml.sentiment.pyfunc import SentimentPyfunc


def test_round_trip(trained, tmp_path):
    texts = pd.DataFrame({"review_text": ["Not good. Would not recommend.", "Love it.", None, "  ", "nÃ£o \ud800 bom"]})
    expected = SentimentPyfunc(trained.model).predict(None, texts)
    mlflow.pyfunc.save_model(tmp_path / "sentiment", python_model=SentimentPyfunc(trained.model), pip_requirements=[])
    loaded = mlflow.pyfunc.load_model(str(tmp_path / "sentiment"))
    got = pd.DataFrame(loaded.predict(texts))
    pd.testing.assert_frame_equal(got, expected)
    assert got["predicted"].tolist()[:4] == ["negative", "positive", None, None]
    assert np.isnan(got["negative_prob"].iloc[2:4]).all() and np.isfinite(got["negative_prob"].iloc[4])
