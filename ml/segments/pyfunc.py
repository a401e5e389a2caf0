"""The segmenter as an MLflow pyfunc: behaviour features in, each user's segment out."""

from __future__ import annotations

import mlflow.pyfunc
import pandas as pd

from ml.segments.model import Segmenter


class SegmenterPyfunc(mlflow.pyfunc.PythonModel):
    """`predict` takes user_id + SEGMENT_FEATURES (raw units, imputed as `load_segment_features` does) and returns
    user_id, segment_id, segment_name (the nearest centroid)."""

    def __init__(self, segmenter: Segmenter) -> None:
        self.segmenter = segmenter

    def predict(self, context, model_input: pd.DataFrame, params: dict | None = None) -> pd.DataFrame:
        return self.segmenter.assign(model_input)
