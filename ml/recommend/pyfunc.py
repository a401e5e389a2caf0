"""The recommender as an MLflow pyfunc: user ids in, ranked product ids and scores out."""

from __future__ import annotations

import mlflow.pyfunc
import pandas as pd

from ml.recommend.model import Recommender


class RecommenderPyfunc(mlflow.pyfunc.PythonModel):
    """`predict` takes a frame with `user_id` (and optionally `product_ids`: a list per user of
    products already in the basket, left out) and returns each user's ranked list: user_id, rank,
    product_id, score, source (the generator that proposed it), cold (popularity list: the user is
    unknown or was inactive) and ignored_product_ids (basket ids the model does not know)."""

    def __init__(self, recommender: Recommender) -> None:
        self.recommender = recommender

    def predict(self, context, model_input: pd.DataFrame, params: dict | None = None) -> pd.DataFrame:
        basket = model_input["product_ids"].tolist() if "product_ids" in model_input else None
        return self.recommender.recommend(model_input["user_id"].astype(str), (params or {}).get("k"), basket)
