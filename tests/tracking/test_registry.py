"""Real MLflow on a temporary SQLite store: runs, versions, aliases, promotion history."""

import math

import numpy as np
import pandas as pd
import pytest

from ml import tracking
from ml.promotion import decide, history, promote

LINEAGE = {
    "dagster_run_id": "run-123",
    "partition_window": "2026-11-01..2026-11-08",
    "feature_service": "purchase_propensity_v1",
}


def _log(name, model, flavor, data_dir, features, plot_file, auc):
    return tracking.log_training_run(
        name,
        model=model,
        flavor=flavor,
        params={"n_estimators": 10, "max_depth": 3},
        metrics={
            "test_roc_auc": auc,
            "test_calibration_error": 0.04,
            "test_log_loss": None,  # skipped
            "broken": math.nan,  # skipped
        },
        plots={"roc_curve": plot_file},
        input_example=features.head(5),
        tags={
            **LINEAGE,
            "git_commit": tracking.git_commit(),
            "dataset_fingerprint": tracking.fingerprint(features),
        },
        data_dir=data_dir,
    )


@pytest.fixture(scope="module")
def two_versions(mlflow_data_dir, xgb_classifier, features, plot_file):
    """purchase_propensity v1 (auc 0.80) then v2 (auc 0.81), both XGBoost."""
    v1 = _log("purchase_propensity", xgb_classifier, "xgboost", mlflow_data_dir, features, plot_file, 0.80)
    v2 = _log("purchase_propensity", xgb_classifier, "xgboost", mlflow_data_dir, features, plot_file, 0.81)
    return v1, v2


def test_configure_points_at_the_data_dir(mlflow_data_dir):
    import mlflow

    uri = tracking.configure(mlflow_data_dir)
    assert uri == f"sqlite:///{mlflow_data_dir.resolve()}/mlflow/mlflow.db"
    assert mlflow.get_tracking_uri() == uri and mlflow.get_registry_uri() == uri


def test_two_runs_make_versions_1_and_2_with_first_as_champion(two_versions, mlflow_data_dir, features):
    v1, v2 = two_versions
    assert (v1.version, v2.version) == (1, 2)
    assert v2.model_uri == "models:/purchase_propensity/2"
    assert tracking.version_by_alias("purchase_propensity", "champion", mlflow_data_dir) == 1
    assert tracking.version_by_alias("purchase_propensity", "challenger", mlflow_data_dir) == 2
    assert tracking.version_by_alias("purchase_propensity", "nope", mlflow_data_dir) is None
    assert tracking.version_by_alias("no_such_model", "champion", mlflow_data_dir) is None

    first = history("purchase_propensity", mlflow_data_dir)
    assert len(first) == 1
    row = first.iloc[0]
    assert row["promoted"] and row["challenger_version"] == 1 and pd.isna(row["old_champion_version"])
    assert "first model" in row["reasons"] and row["who"] == "training"
    assert row["metric"] == "test_roc_auc" and row["challenger_score"] == pytest.approx(0.80)

    model = tracking.load_by_alias("purchase_propensity", "champion", mlflow_data_dir)
    proba = model.predict_proba(features.head(20))
    assert proba.shape == (20, 2) and np.allclose(proba.sum(axis=1), 1.0)


def test_run_holds_params_metrics_tags_plots_and_model(two_versions, mlflow_data_dir):
    from mlflow import MlflowClient

    _, v2 = two_versions
    uri = tracking.configure(mlflow_data_dir)
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    run = client.get_run(v2.run_id)
    assert run.data.params == {"n_estimators": "10", "max_depth": "3"}
    assert run.data.metrics == {"test_roc_auc": 0.81, "test_calibration_error": 0.04}  # None/NaN skipped
    for key, value in LINEAGE.items():
        assert run.data.tags[key] == value
    assert len(run.data.tags["dataset_fingerprint"]) == 16
    assert run.data.tags["flavor"] == "xgboost"

    experiment = client.get_experiment(run.info.experiment_id)
    assert experiment.name == "purchase_propensity"
    expected_root = (mlflow_data_dir.resolve() / "mlflow" / "artifacts" / "purchase_propensity").as_uri()
    assert experiment.artifact_location == expected_root

    assert [a.path for a in client.list_artifacts(v2.run_id, "plots")] == ["plots/roc_curve.png"]
    version = client.get_model_version("purchase_propensity", "2")
    assert version.run_id == v2.run_id
    assert version.tags["flavor"] == "xgboost" and version.tags["feature_service"] == "purchase_propensity_v1"

    import mlflow

    info = mlflow.models.get_model_info(v2.model_uri)
    assert "xgboost" in info.flavors
    assert info.signature is not None and [c.name for c in info.signature.inputs] == [
        "sessions_7d",
        "days_since_last_order",
        "avg_order_value",
    ]
    reqs = mlflow.pyfunc.get_model_dependencies(v2.model_uri)
    with open(reqs) as handle:
        pins = handle.read()
    assert "xgboost-cpu==3.2.0" in pins or "xgboost==3.2.0" in pins


def test_promote_records_both_decisions_and_moves_champion_only_when_promoted(
    mlflow_data_dir, sklearn_classifier, features, plot_file
):
    name = "churn_risk"
    for auc in (0.80, 0.801, 0.82):
        _log(name, sklearn_classifier, "sklearn", mlflow_data_dir, features, plot_file, auc)
    champion = {"test_roc_auc": 0.80}

    rejected = decide({"test_roc_auc": 0.801, "test_calibration_error": 0.04, "nan_predictions": 0}, champion)
    promote(name, 2, rejected, who="test", data_dir=mlflow_data_dir)
    assert tracking.version_by_alias(name, "champion", mlflow_data_dir) == 1

    accepted = decide({"test_roc_auc": 0.82, "test_calibration_error": 0.04, "nan_predictions": 0}, champion)
    promote(name, 3, accepted, who="test", data_dir=mlflow_data_dir)
    assert tracking.version_by_alias(name, "champion", mlflow_data_dir) == 3
    assert tracking.version_by_alias(name, "challenger", mlflow_data_dir) == 3

    rows = history(name, mlflow_data_dir)
    assert list(rows["challenger_version"]) == [1, 2, 3]
    assert list(rows["promoted"]) == [True, False, True]
    assert list(rows["old_champion_version"].iloc[1:]) == [1, 1]
    assert rows.loc[1, "champion_score"] == 0.80 and rows.loc[1, "challenger_score"] == 0.801
    assert "short of the margin" in rows.loc[1, "reasons"] and rows.loc[1, "who"] == "test"
    assert str(rows["decided_at"].dtype) == "datetime64[us, UTC]"

    from mlflow import MlflowClient

    uri = tracking.configure(mlflow_data_dir)
    client = MlflowClient(tracking_uri=uri, registry_uri=uri)
    assert client.get_model_version(name, "2").tags["promotion_decision"] == "rejected"
    assert client.get_model_version(name, "3").tags["promotion_decision"] == "promoted"
    assert "at least the margin" in client.get_model_version(name, "3").tags["promotion_reasons"]

    model = tracking.load_by_alias(name, "champion", mlflow_data_dir)
    assert model.predict_proba(features.head(3)).shape == (3, 2)
    empty = history("never_trained", mlflow_data_dir)
    assert empty.empty and list(empty.columns)[:3] == ["model", "decided_at", "who"]


def test_fingerprint_is_stable_and_content_sensitive(features):
    assert tracking.fingerprint(features) == tracking.fingerprint(features.copy())
    changed = features.copy()
    changed.iloc[0, 0] += 1
    assert tracking.fingerprint(changed) != tracking.fingerprint(features)
    renamed = features.rename(columns={"sessions_7d": "s"})
    assert tracking.fingerprint(renamed) != tracking.fingerprint(features)


def test_git_commit_is_a_sha_or_unknown():
    commit = tracking.git_commit()
    assert commit == "unknown" or len(commit) == 40
