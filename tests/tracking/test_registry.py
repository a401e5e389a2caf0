"""Real MLflow on a temporary SQLite store: runs, versions, aliases, the promotion gate and its history."""

import json
import math

import numpy as np
import pandas as pd
import pytest

from ml import tracking
from ml.catalogue import GATES
from ml.datasets import fingerprint
from ml.evaluate import calibration_error, roc_auc
from ml.promotion import PROMOTIONS_EXPERIMENT, history, run_gate

LINEAGE = {
    "dagster_run_id": "run-123",
    "partition_window": "2026-11-01..2026-11-08",
    "feature_service": "purchase_propensity_v1",
}
GATE = GATES["purchase_propensity"]


def _log(name, model, settings, frame, plot_file, auc=0.80):
    return tracking.log_training_run(
        name,
        model=model,
        params={"n_estimators": 10, "max_depth": 3},
        metrics={
            "test_roc_auc": auc,
            "test_calibration_error": 0.04,
            "test_log_loss": None,  # skipped
            "broken": math.nan,  # skipped
        },
        plots={"roc_curve": plot_file},
        input_example=frame.drop(columns="label").head(5),
        training_data=frame,
        dataset_name="training_set_test",
        label="label",
        tags={**LINEAGE, "git_commit": tracking.git_commit()},
        settings=settings,
    )


def _scorer(frame):
    """The gate's score: real ROC AUC and calibration of a loaded model on `frame`."""

    def score(model):
        p = model.predict_proba(frame.drop(columns="label"))[:, 1]
        return {"test_roc_auc": roc_auc(frame["label"], p),
                "test_calibration_error": calibration_error(frame["label"], p), "nan_predictions": 0}

    return score


def _gate(name, settings, score):
    return run_gate(name, settings, score, GATE, margin=0.005, max_calibration_error=0.15, who="test")


@pytest.fixture(scope="module")
def two_versions(settings, xgb_classifier, frame, plot_file):
    """purchase_propensity v1 (auc 0.80) then v2 (auc 0.81), both XGBoost, no gate run."""
    v1 = _log("purchase_propensity", xgb_classifier, settings, frame, plot_file, 0.80)
    v2 = _log("purchase_propensity", xgb_classifier, settings, frame, plot_file, 0.81)
    return v1, v2


def test_configure_points_at_the_data_dir(settings, mlflow_data_dir):
    import mlflow

    uri = tracking.configure(settings)
    assert uri == f"sqlite:///{mlflow_data_dir.resolve()}/mlflow/mlflow.db"
    assert mlflow.get_tracking_uri() == uri and mlflow.get_registry_uri() == uri


def test_logging_registers_challengers_and_promotes_nothing(two_versions, settings):
    v1, v2 = two_versions
    assert (v1.version, v2.version) == (1, 2)
    assert v2.model_uri == "models:/purchase_propensity/2"
    assert tracking.version_by_alias("purchase_propensity", "challenger", settings) == 2
    assert tracking.version_by_alias("purchase_propensity", "champion", settings) is None  # the gate's call
    assert tracking.version_by_alias("purchase_propensity", "nope", settings) is None
    assert tracking.version_by_alias("no_such_model", "champion", settings) is None
    assert history("purchase_propensity", settings).empty


def test_run_holds_params_metrics_tags_plots_dataset_and_model(two_versions, settings, mlflow_data_dir):
    import mlflow

    _, v2 = two_versions
    client = tracking.client(settings)
    run = client.get_run(v2.run_id)
    assert run.data.params == {"n_estimators": "10", "max_depth": "3"}
    assert run.data.metrics == {"test_roc_auc": 0.81, "test_calibration_error": 0.04}  # None/NaN skipped
    for key, value in LINEAGE.items():
        assert run.data.tags[key] == value
    assert run.data.tags["flavor"] == "sklearn"  # a classifier: its pyfunc scores with predict_proba
    assert "dataset_fingerprint" not in run.data.tags

    (dataset_input,) = run.inputs.dataset_inputs
    dataset = dataset_input.dataset
    assert dataset.name == "training_set_test" and dataset.digest
    assert [tag.value for tag in dataset_input.tags if tag.key == "mlflow.data.context"] == ["training"]
    columns = [column["name"] for column in json.loads(dataset.schema)["mlflow_colspec"]]
    assert columns == ["sessions_7d", "days_since_last_order", "avg_order_value", "label"]

    experiment = client.get_experiment(run.info.experiment_id)
    assert experiment.name == "purchase_propensity"
    expected_root = (mlflow_data_dir.resolve() / "mlflow" / "artifacts" / "purchase_propensity").as_uri()
    assert experiment.artifact_location == expected_root

    assert [a.path for a in client.list_artifacts(v2.run_id, "plots")] == ["plots/roc_curve.png"]
    version = client.get_model_version("purchase_propensity", "2")
    assert version.run_id == v2.run_id
    assert version.tags["flavor"] == "sklearn" and version.tags["feature_service"] == "purchase_propensity_v1"

    info = mlflow.models.get_model_info(v2.model_uri)
    assert info.flavors["python_function"]["predict_fn"] == "predict_proba"
    assert info.signature is not None and [c.name for c in info.signature.inputs] == [
        "sessions_7d",
        "days_since_last_order",
        "avg_order_value",
    ]
    with open(mlflow.pyfunc.get_model_dependencies(v2.model_uri)) as handle:
        pins = handle.read()
    assert "xgboost-cpu==3.2.0" in pins or "xgboost==3.2.0" in pins


def test_regressors_are_logged_natively_with_xgboost_pinned():
    from xgboost import XGBRegressor

    regressor = XGBRegressor(n_estimators=2)
    assert tracking.flavor_of(regressor) == "xgboost"
    assert any(pin.startswith("xgboost") for pin in tracking.pip_requirements(regressor))


def test_the_gate_promotes_the_first_model_then_only_a_better_challenger(
    settings, mlflow_data_dir, uninformed_classifier, xgb_classifier, frame, features, plot_file
):
    import mlflow
    from xgboost import XGBClassifier

    name, score = "churn_gate", _scorer(frame)
    _log(name, uninformed_classifier, settings, frame, plot_file)
    first = _gate(name, settings, score)
    assert first.promoted and first.sane and first.champion_version is None
    assert "first model" in first.text and first.decision.challenger_score == pytest.approx(0.5)
    assert tracking.version_by_alias(name, "champion", settings) == 1
    assert _gate(name, settings, score) is None  # nothing awaits a decision

    _log(name, uninformed_classifier, settings, frame, plot_file)
    tie = _gate(name, settings, score)
    assert not tie.promoted and tie.sane and "champion stays v1" in tie.text
    assert tracking.version_by_alias(name, "champion", settings) == 1

    _log(name, xgb_classifier, settings, frame, plot_file)
    better = _gate(name, settings, score)
    assert better.promoted and (better.challenger_version, better.champion_version) == (3, 1)
    assert tracking.version_by_alias(name, "champion", settings) == 3

    rows = history(name, settings)
    assert list(rows["challenger_version"]) == [1, 2, 3]
    assert list(rows["promoted"]) == [True, False, True]
    assert pd.isna(rows.loc[0, "old_champion_version"]) and list(rows["old_champion_version"].iloc[1:]) == [1, 1]
    assert rows.loc[1, "champion_score"] == pytest.approx(0.5) and rows.loc[1, "challenger_score"] == pytest.approx(0.5)
    assert "short of the margin" in rows.loc[1, "reasons"] and set(rows["who"]) == {"test"}
    assert set(rows["metric"]) == {"test_roc_auc"} and pd.isna(rows.loc[0, "champion_score"])
    assert str(rows["decided_at"].dtype) == "datetime64[us, UTC]" and rows["decided_at"].is_monotonic_increasing

    client = tracking.client(settings)
    assert client.get_model_version(name, "2").tags["promotion_decision"] == "rejected"
    assert client.get_model_version(name, "3").tags["promotion_decision"] == "promoted"
    assert "at least the margin" in client.get_model_version(name, "3").tags["promotion_reasons"]
    decisions = client.get_experiment_by_name(PROMOTIONS_EXPERIMENT)
    assert decisions.artifact_location == (mlflow_data_dir.resolve() / "mlflow" / "artifacts" / PROMOTIONS_EXPERIMENT).as_uri()
    run = client.get_run(client.get_model_version(name, "3").tags["promotion_run_id"])
    assert run.data.tags["promoted"] == "True" and run.data.tags["old_champion_version"] == "1"

    native = tracking.load_by_alias(name, "champion", settings)
    assert isinstance(native, XGBClassifier) and native.predict_proba(features.head(3)).shape == (3, 2)
    scores = mlflow.pyfunc.load_model(f"models:/{name}@champion").predict(features.head(50))
    assert scores.shape == (50, 2) and np.allclose(scores.sum(axis=1), 1.0)
    assert ((scores >= 0) & (scores <= 1)).all() and not np.isin(scores, (0.0, 1.0)).all()

    empty = history("never_trained", settings)
    assert empty.empty and list(empty.columns)[:3] == ["model", "decided_at", "who"]


def test_a_first_model_with_nan_predictions_does_not_become_champion(settings, sklearn_classifier, frame, plot_file):
    name = "nan_first"
    _log(name, sklearn_classifier, settings, frame, plot_file)
    outcome = _gate(name, settings, lambda model: {**_scorer(frame)(model), "nan_predictions": 3})
    assert not outcome.promoted and not outcome.sane
    assert "no champion yet" in outcome.text and "3 NaN predictions" in outcome.text
    assert tracking.version_by_alias(name, "champion", settings) is None
    assert history(name, settings)["promoted"].tolist() == [False]


def test_fingerprint_is_stable_and_content_sensitive(features):
    assert fingerprint(features) == fingerprint(features.copy())
    changed = features.copy()
    changed.iloc[0, 0] += 1
    assert fingerprint(changed) != fingerprint(features)
    renamed = features.rename(columns={"sessions_7d": "s"})
    assert fingerprint(renamed) != fingerprint(features)


def test_git_commit_is_a_sha_or_unknown():
    commit = tracking.git_commit()
    assert commit == "unknown" or len(commit) == 40


def test_an_uncalibrated_first_model_becomes_champion_with_the_reason(settings, sklearn_classifier, frame, plot_file):
    name = "uncalibrated_first"
    _log(name, sklearn_classifier, settings, frame, plot_file)
    outcome = _gate(name, settings, lambda model: {**_scorer(frame)(model), "test_calibration_error": 0.4})
    assert outcome.promoted and not outcome.sane
    assert "calibration error 0.4000 exceeds" in outcome.text and "champion despite the above" in outcome.text
    assert tracking.version_by_alias(name, "champion", settings) == 1
