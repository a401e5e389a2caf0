"""Binary classifiers on a time-split training set: XGBoost plus logistic, random-forest and MLP baselines."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from threadpoolctl import threadpool_limits
from xgboost import XGBClassifier

from ml.catalogue import CLASSIFIER_XGB
from ml.datasets import Split, TooLittleData, informative, time_split
from ml.evaluate import best_f1_threshold, classification_metrics, pr_auc, roc_auc

# What a careful analyst fits first on order data: recency, tenure, frequency, monetary value and
# breadth, over the year and the last 30/90 days (log-scaled, in the RFM baseline).
RFM_FEATURES = (
    "days_since_last_purchase", "tenure_days", "orders_365d", "spend_365d", "distinct_products_365d",
    "orders_30d", "orders_90d", "spend_30d",
)
# The baselines fit on at most this many training rows (a seeded sample): the random forest and
# the MLP grow faster than linearly with rows, and at 100 k their test AUC has settled (bench/README.md).
BASELINE_ROWS = 100_000


@dataclass(frozen=True)
class ClassifierResult:
    """The fitted XGBoost model, its inputs and split, the validation threshold and the metrics."""

    model: XGBClassifier
    features: list[str]
    params: dict
    split: Split
    threshold: float
    metrics: dict[str, float]
    dropped_features: list[str]  # constant or all-null in the training rows: not in the model


def xgb_params(seed: int, overrides: dict | None = None) -> dict:
    """XGBoost settings for this training set.

    Class imbalance (≈ 5 % buyers, ≈ 75 % churners) is handled deliberately without
    reweighting: scale_pos_weight would push the probabilities towards the minority class,
    and the scores are used as probabilities (churn risk, calibration gate). Instead early
    stopping watches validation PR AUC, which tracks the minority class, and the decision
    threshold is the one that maximises F1 on validation.
    """
    return {**CLASSIFIER_XGB, **(overrides or {}), "random_state": seed}


def _check_classes(split: Split) -> None:
    for part in ("train", "valid", "test"):
        labels = getattr(split, f"y_{part}")
        if labels.nunique() < 2:
            cutoffs = split.cutoffs(part)
            span = f"{cutoffs[0]:%Y-%m-%d}" + (f"..{cutoffs[-1]:%Y-%m-%d}, {len(cutoffs)} cutoffs" if len(cutoffs) > 1 else "")
            raise TooLittleData(f"the {part} cutoffs ({span}) hold a single class: "
                                f"{len(labels)} rows, all {'positive' if labels.all() else 'negative'}")


def baselines(seed: int) -> dict[str, Pipeline]:
    """Unfitted baseline pipelines, each with median imputation (sklearn, seeded)."""
    return {
        "logreg": make_pipeline(
            SimpleImputer(strategy="median", add_indicator=True),
            StandardScaler(),
            LogisticRegression(max_iter=2000, class_weight="balanced"),
        ),
        "random_forest": make_pipeline(
            SimpleImputer(strategy="median", add_indicator=True),
            RandomForestClassifier(
                n_estimators=100, min_samples_leaf=5, class_weight="balanced_subsample", n_jobs=2, random_state=seed
            ),
        ),
        "mlp": make_pipeline(
            SimpleImputer(strategy="median", add_indicator=True),
            StandardScaler(),
            MLPClassifier(hidden_layer_sizes=(32, 16), alpha=1e-3, early_stopping=True, max_iter=300, random_state=seed),
        ),
    }


def _log_scaled(x):
    return np.log1p(np.clip(x, 0, None))


def rfm_baseline() -> Pipeline:
    """Logistic regression on log-scaled RFM features (missing recency: imputed, with an indicator)."""
    return make_pipeline(
        FunctionTransformer(_log_scaled, feature_names_out="one-to-one"),
        SimpleImputer(strategy="median", add_indicator=True),
        StandardScaler(),
        LogisticRegression(max_iter=2000),
    )


def predict_proba(model, frame: pd.DataFrame, features: list[str]) -> np.ndarray:
    """P(label = 1) for each row of frame, from the feature columns in training order."""
    return model.predict_proba(frame[features])[:, 1]


def baseline_sample(train: pd.DataFrame, seed: int, rows: int = BASELINE_ROWS) -> pd.DataFrame:
    """The training rows the baselines fit on: all of them, or a seeded sample of `rows`."""
    return train if len(train) <= rows else train.sample(n=rows, random_state=seed)


def baseline_metrics(split: Split, seed: int) -> dict[str, float]:
    """Test ROC AUC and PR AUC of each baseline fitted on (a sample of) the training part of the split.
    BLAS runs single-threaded: its spinning threads otherwise starve XGBoost's OpenMP pool."""
    train = baseline_sample(split.train, seed)
    x_train, y_train = train[split.features], train[split.label].astype(int)
    out = {"baseline_train_rows": float(len(train))}
    for name, pipeline in baselines(seed).items():
        with threadpool_limits(limits=1, user_api="blas"):
            pipeline.fit(x_train, y_train)
        p = predict_proba(pipeline, split.test, split.features)
        out[f"baseline_{name}_test_roc_auc"] = roc_auc(split.y_test, p)
        out[f"baseline_{name}_test_pr_auc"] = pr_auc(split.y_test, p)
    rfm = [f for f in RFM_FEATURES if f in split.features]
    if rfm:
        with threadpool_limits(limits=1, user_api="blas"):
            pipeline = rfm_baseline().fit(train[rfm], y_train)
        p = predict_proba(pipeline, split.test, rfm)
        out["baseline_rfm_logreg_test_roc_auc"] = roc_auc(split.y_test, p)
        out["baseline_rfm_logreg_test_pr_auc"] = pr_auc(split.y_test, p)
    return out


def train_classifier(frame: pd.DataFrame, label: str, *, seed: int = 0, params: dict | None = None) -> ClassifierResult:
    """Time-split frame, fit XGBoost (CLASSIFIER_XGB, `params` overriding) with early stopping on
    validation, choose the max-F1 threshold on validation, and score it and the baselines on the test cutoff."""
    split = time_split(frame, label)
    _check_classes(split)
    features, dropped = informative(split.train, split.features)
    if not features:
        raise TooLittleData("every feature is constant or null in the training rows")
    split = replace(split, features=features)
    params = xgb_params(seed, params)
    model = XGBClassifier(**params)
    model.fit(split.X_train, split.y_train, eval_set=[(split.X_valid, split.y_valid)], verbose=False)

    p_valid = predict_proba(model, split.valid, split.features)
    p_test = predict_proba(model, split.test, split.features)
    threshold = best_f1_threshold(split.y_valid, p_valid)
    metrics = {
        **classification_metrics(split.y_test, p_test, threshold, "test"),
        "valid_roc_auc": roc_auc(split.y_valid, p_valid),
        "valid_pr_auc": pr_auc(split.y_valid, p_valid),
        "best_iteration": float(model.best_iteration),
        **baseline_metrics(split, seed),
    }
    return ClassifierResult(model, split.features, params, split, threshold, metrics, dropped)
