"""Binary classifiers on a time-split training set: XGBoost plus logistic, random-forest and MLP baselines."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits
from xgboost import XGBClassifier

from ml.datasets import Split, time_split
from ml.evaluate import best_f1_threshold, classification_metrics, pr_auc, roc_auc

XGB_PARAMS = {
    "n_estimators": 400,
    "learning_rate": 0.05,
    "max_depth": 4,
    "min_child_weight": 5,
    "subsample": 0.8,
    "colsample_bytree": 0.8,
    "reg_lambda": 1.0,
    "tree_method": "hist",
    "eval_metric": "aucpr",
    "early_stopping_rounds": 30,
    "n_jobs": 2,
}


@dataclass(frozen=True)
class ClassifierResult:
    """The fitted XGBoost model, its inputs and split, the validation threshold and the metrics."""

    model: XGBClassifier
    features: list[str]
    params: dict
    split: Split
    threshold: float
    metrics: dict[str, float]


def xgb_params(y_train: pd.Series, seed: int) -> dict:
    """XGBoost settings for this training set.

    Class imbalance (≈ 5 % buyers, ≈ 75 % churners) is handled deliberately without
    reweighting: scale_pos_weight would push the probabilities towards the minority class,
    and the scores are used as probabilities (churn risk, calibration gate). Instead early
    stopping watches validation PR AUC, which tracks the minority class, and the decision
    threshold is the one that maximises F1 on validation.
    """
    positives = int(y_train.sum())
    if positives == 0 or positives == len(y_train):
        raise ValueError("the training cutoffs hold a single class; cannot train a classifier")
    return {**XGB_PARAMS, "random_state": seed}


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


def predict_proba(model, frame: pd.DataFrame, features: list[str]) -> np.ndarray:
    """P(label = 1) for each row of frame, from the feature columns in training order."""
    return model.predict_proba(frame[features])[:, 1]


def baseline_metrics(split: Split, seed: int) -> dict[str, float]:
    """Test ROC AUC and PR AUC of each baseline fitted on the training part of the split.
    BLAS runs single-threaded: its spinning threads otherwise starve XGBoost's OpenMP pool."""
    out = {}
    for name, pipeline in baselines(seed).items():
        with threadpool_limits(limits=1, user_api="blas"):
            pipeline.fit(split.X_train, split.y_train)
        p = predict_proba(pipeline, split.test, split.features)
        out[f"baseline_{name}_test_roc_auc"] = roc_auc(split.y_test, p)
        out[f"baseline_{name}_test_pr_auc"] = pr_auc(split.y_test, p)
    return out


def train_classifier(frame: pd.DataFrame, label: str, *, seed: int = 0) -> ClassifierResult:
    """Time-split frame, fit XGBoost with early stopping on validation, choose the max-F1
    threshold on validation, and score it and the baselines on the test cutoff."""
    split = time_split(frame, label)
    params = xgb_params(split.y_train, seed)
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
    return ClassifierResult(model, split.features, params, split, threshold, metrics)
