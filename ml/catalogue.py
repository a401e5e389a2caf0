"""The model catalogue: what each model learns from, what it writes, and how its challengers are judged."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TrainingSet:
    """What a model learns from: a feature service, a label column of the `labels` mart, and
    how many days after its cutoff the label is known."""

    service: str
    label: str
    horizon_days: int
    score_column: str  # the champion's score in `user_scores`


# the registered models beside the classifiers
SEGMENTS_MODEL, CLV_MODEL, RECOMMENDER_MODEL = "segments", "clv", "recommender"
CLV_SERVICE = "customer_value_v1"  # the feature service the CLV model is served from

TRAINING_SETS = {
    "purchase_propensity": TrainingSet("purchase_propensity_v2", "purchased_next_7d", 7, "purchase_propensity"),
    "churn": TrainingSet("churn_v2", "churned_next_30d", 30, "churn_risk"),
}


@dataclass(frozen=True)
class Gate:
    """How a challenger is compared with the champion on the newest holdout."""

    metric: str
    higher_is_better: bool
    calibrated: bool  # classifiers: the calibration error must stay under the maximum


GATES = {
    "purchase_propensity": Gate("test_roc_auc", higher_is_better=True, calibrated=True),
    "churn": Gate("test_roc_auc", higher_is_better=True, calibrated=True),
    "demand_forecast": Gate("test_wape", higher_is_better=False, calibrated=False),
    "recommender": Gate("recall_at_20", higher_is_better=True, calibrated=False),
    "clv": Gate("holdout_mae", higher_is_better=False, calibrated=False),
    "sentiment": Gate("test_macro_f1", higher_is_better=True, calibrated=False),
}

# XGBoost settings of the classifiers and the demand model (the Dagster launchpad overrides some)
CLASSIFIER_XGB = {
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

DEMAND_XGB = {
    "n_estimators": 300,
    "learning_rate": 0.05,
    "max_depth": 4,
    "subsample": 0.8,
    "colsample_bytree": 0.9,
    "objective": "count:poisson",
    "tree_method": "hist",
    "early_stopping_rounds": 30,
    "n_jobs": 2,
}
