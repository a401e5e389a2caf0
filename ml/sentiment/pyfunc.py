"""The sentiment model as an MLflow pyfunc: review texts in, P(negative) and the predicted class out."""

from __future__ import annotations

import mlflow.pyfunc
import pandas as pd

from ml.sentiment.model import SentimentModel, predicted_labels


class SentimentPyfunc(mlflow.pyfunc.PythonModel):
    """`predict` takes a column review_text and returns negative_prob (NaN where the text is missing or blank) and
    predicted ("negative", "positive", None where there is no text), one row per input row."""

    def __init__(self, model: SentimentModel) -> None:
        self.model = model

    def predict(self, context, model_input: pd.DataFrame, params: dict | None = None) -> pd.DataFrame:
        probs = self.model.negative_prob(model_input["review_text"].tolist())
        return pd.DataFrame({"negative_prob": probs, "predicted": predicted_labels(probs)}, index=model_input.index)
