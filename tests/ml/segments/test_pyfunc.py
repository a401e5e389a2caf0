"""The segmenter through MLflow: logged to a temporary store and loaded back, it assigns the same segments."""

from __future__ import annotations

import mlflow
import pandas as pd
import pytest
from mlflow.models import infer_signature

from ml.segments.features import SEGMENT_FEATURES
from ml.segments.model import SegmentParams, fit_segments
from ml.segments.pyfunc import SegmenterPyfunc
from tests.ml.segments.population import population


@pytest.mark.filterwarnings("ignore:Hint. Inferred schema contains integer column")
def test_round_trip(tmp_path):
    frame = population({"loyal": 30, "dormant": 30, "newcomer": 30})[["user_id", *SEGMENT_FEATURES]]
    segmenter = fit_segments(frame, SegmentParams(k_max=4, n_init=2)).segmenter
    expected = segmenter.assign(frame)
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    try:
        # A SQLite store's default artifact root is ./mlruns in the working directory: keep artifacts in tmp_path.
        experiment = mlflow.create_experiment("segments", artifact_location=(tmp_path / "artifacts").as_uri())
        with mlflow.start_run(experiment_id=experiment):
            info = mlflow.pyfunc.log_model(
                name="segmenter",
                python_model=SegmenterPyfunc(segmenter),
                pip_requirements=[],
                signature=infer_signature(frame.head(5), expected.head(5)),
                input_example=frame.head(5),
            )
        loaded = mlflow.pyfunc.load_model(info.model_uri)
    finally:
        mlflow.set_tracking_uri(previous)
    pd.testing.assert_frame_equal(pd.DataFrame(loaded.predict(frame)), expected)
