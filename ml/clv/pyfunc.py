"""The CLV model as an MLflow pyfunc: customer summaries in, their value out."""

from __future__ import annotations

import mlflow.pyfunc
import pandas as pd

from ml.clv.model import ClvModel


class ClvPyfunc(mlflow.pyfunc.PythonModel):
    """`predict` takes user_id, frequency, recency, T (days) and monetary_value (ml.clv.data.rfm_summary)
    and returns ml.clv.model.VALUE_COLUMNS: P(alive), expected purchase days in 30 and 90 days,
    expected order value and 90-day spend."""

    def __init__(self, model: ClvModel) -> None:
        self.model = model

    def predict(self, context, model_input: pd.DataFrame, params: dict | None = None) -> pd.DataFrame:
        return self.model.value(model_input)
