"""Score a registered model on the newest holdout, in the shape the promotion gate compares."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import cache, partial
from typing import Any

import numpy as np
import pandas as pd

from ml.catalogue import TRAINING_SETS
from ml.classifiers import predict_proba
from ml.datasets import Split, fingerprint, time_split, without_small_cutoffs
from ml.demand import FEATURES as DEMAND_FEATURES
from ml.demand import wape, with_features
from ml.demand_data import load_demand
from ml.evaluate import calibration_error, roc_auc
from shoplens.settings import Settings


def model_features(model) -> list[str]:
    """The feature names a fitted XGBoost model was trained on, in its order."""
    return list(model.get_booster().feature_names)


def classifier_holdout_metrics(model, split: Split) -> dict:
    """ROC AUC, calibration error and NaN count of `model` on the split's test cutoff."""
    scores = predict_proba(model, split.test, model_features(model))
    finite = ~np.isnan(scores)
    return {
        "test_roc_auc": roc_auc(split.y_test[finite], scores[finite]),
        "test_calibration_error": calibration_error(split.y_test[finite], scores[finite]),
        "nan_predictions": int((~finite).sum()),
        "holdout_fingerprint": fingerprint(split.test),
    }


def demand_holdout_metrics(model, demand: pd.DataFrame, horizon: int = 7) -> dict:
    """WAPE of a demand model on the last `horizon` days of `demand` (its newest holdout)."""
    frame = with_features(demand, horizon)
    test = frame[frame["demand_date"] > frame["demand_date"].max() - pd.Timedelta(days=horizon)]
    predictions = np.clip(model.predict(test[DEMAND_FEATURES]), 0, None)
    return {
        "test_wape": wape(test["units"], predictions),
        "nan_predictions": int(np.isnan(predictions).sum()),
        "holdout_fingerprint": fingerprint(test[["product_id", "demand_date", "units"]]),
    }


def recommender_holdout(settings: Settings, as_of: date | None = None) -> Callable[[Any], dict]:
    """Scores a registered recommender (its pyfunc) on the newest label cutoff up to `as_of`: its
    recipe refitted on the events before that cutoff, recall@20 on the week after."""
    from ml.recommend.data import label_cutoffs, load_events, load_products
    from ml.recommend.train import holdout_metrics

    warehouse = settings.paths.warehouse
    events, products = load_events(warehouse, as_of), load_products(warehouse)
    cutoff = label_cutoffs(warehouse, as_of)[-1]
    return lambda registered: holdout_metrics(registered.recommender, events, products, cutoff)


def clv_holdout(settings: Settings, as_of: date | None = None) -> Callable[[Any], dict]:
    """Scores a registered CLV model (its pyfunc) on the newest calibration/holdout split up to `as_of`:
    its parameters applied to the customers' calibration summaries, MAE of their holdout purchase days."""
    from ml.clv.data import load_purchase_days, load_window
    from ml.clv.model import ClvParams
    from ml.clv.train import holdout_metrics

    warehouse = settings.paths.warehouse
    window = load_window(warehouse, as_of)
    purchase_days, _ = load_purchase_days(warehouse, window)
    return lambda registered: holdout_metrics(registered.model, purchase_days, window, ClvParams())


def sentiment_holdout(settings: Settings, as_of: date | None = None) -> Callable[[Any], dict]:
    """Scores a registered sentiment model (its pyfunc) on the newest time split of the reviews up to `as_of`:
    macro-F1 on the later reviews that training held out."""
    from ml.sentiment.data import load_reviews
    from ml.sentiment.model import SentimentParams
    from ml.sentiment.train import holdout_metrics

    reviews = load_reviews(settings.paths.warehouse, as_of)
    return lambda registered: holdout_metrics(registered.model, reviews, SentimentParams())


def holdout_scorer(model: str, settings: Settings, *, min_cutoff_users: int,
                   as_of: date | None = None) -> Callable[[Any], dict]:
    """A scorer of registered versions of `model` on its newest holdout, read on first use (a
    run that trained nothing reads nothing): a classifier's is the newest cutoff of its training
    set as training sees it (cutoffs under `min_cutoff_users` users left out), the demand
    model's the newest week of product demand up to `as_of`, the recommender's the newest label
    cutoff up to `as_of`, the CLV model's the newest holdout after a weekly cutoff, the sentiment model's the
    newest reviews by time."""

    @cache
    def metrics() -> Callable[[Any], dict]:
        if model == "recommender":
            return recommender_holdout(settings, as_of)
        if model == "clv":
            return clv_holdout(settings, as_of)
        if model == "sentiment":
            return sentiment_holdout(settings, as_of)
        if model not in TRAINING_SETS:
            return partial(demand_holdout_metrics, demand=load_demand(settings.paths.warehouse, as_of))
        frame, _ = without_small_cutoffs(pd.read_parquet(settings.paths.training_set(model)), min_cutoff_users)
        return partial(classifier_holdout_metrics, split=time_split(frame, TRAINING_SETS[model].label))

    return lambda registered: metrics()(registered)
