"""The training domain of the materialized graph: MLflow registry, promotion gate, batch scores."""

import dagster as dg
import duckdb
import pytest

pytestmark = pytest.mark.slow
MODELS = ("purchase_propensity", "churn", "demand_forecast")


def test_first_models_become_champions_through_the_gate_with_lineage(materialized, settings):
    from ml.promotion import history
    from ml.tracking import client, version_by_alias

    mlflow = client(settings)
    for model in MODELS:
        assert version_by_alias(model, "champion", settings) == 1
        first = history(model, settings).iloc[0]
        assert first["promoted"] and "first model" in first["reasons"] and first["who"].startswith("dagster run ")
        run = mlflow.get_run(mlflow.get_model_version(model, "1").run_id)
        assert {"dagster_run_id", "data_window", "git_commit"} <= set(run.data.tags)
        (training,) = run.inputs.dataset_inputs
        assert training.dataset.digest and training.dataset.schema
    run = mlflow.get_run(mlflow.get_model_version("purchase_propensity", "1").run_id)
    metrics = run.data.metrics
    assert {"test_roc_auc", "test_pr_auc", "oracle_roc_auc", "oracle_auc_ratio", "baseline_logreg_test_roc_auc"} <= set(metrics)
    assert metrics["test_roc_auc"] > 0.6 and 0 < metrics["oracle_auc_ratio"] <= 1.2


def test_champions_score_probabilities_through_pyfunc(materialized, settings):
    import mlflow
    import numpy as np

    from ml.tracking import configure

    configure(settings)
    model = mlflow.pyfunc.load_model("models:/purchase_propensity@champion")
    example = model.input_example
    scores = model.predict(example)
    assert scores.shape == (len(example), 2) and ((0 <= scores) & (scores <= 1)).all()
    assert not np.isin(scores, (0.0, 1.0)).all()


def test_active_users_are_scored_by_the_champions(materialized, data_dir):
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        rows, low, high, deciles = con.execute(
            "select count(*), min(purchase_propensity), max(churn_risk), count(distinct propensity_decile) from user_scores"
        ).fetchone()
        out_of_order = con.execute(  # a higher propensity never has a lower decile; equal ones share it
            "select count(*) from user_scores a join user_scores b on a.purchase_propensity > b.purchase_propensity "
            "and a.propensity_decile < b.propensity_decile").fetchone()[0]
        first, last = con.execute("select min(propensity_decile), max(propensity_decile) from user_scores").fetchone()
        active = con.execute(
            "select count(*) from user_features_daily where feature_date = (select max(feature_date) from user_features_daily)"
            " and days_since_last_event < 30"
        ).fetchone()[0]
        forecasts = con.execute("select count(distinct forecast_date) from demand_forecasts").fetchone()[0]
    assert rows == active and 0 <= low and high <= 1 and deciles >= 5 and (first, last) == (1, 10) and out_of_order == 0
    assert forecasts == 7


def test_retraining_goes_through_the_promotion_gate(materialized, settings, instance, defs):
    """Same data and seed: the challenger ties the champion, so it is recorded and not promoted."""
    from ml.promotion import history
    from ml.tracking import version_by_alias

    result = defs.resolve_job_def("build_job").execute_in_process(
        instance=instance,
        asset_selection=[dg.AssetKey("purchase_propensity_model")],
        run_config={"resources": {"source": {"config": {"spec": f"canonical:{materialized}"}}}},
    )
    assert result.success
    checks = [e.asset_check_evaluation_data for e in result.all_events
              if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION]
    assert len(checks) == 1 and not checks[0].passed
    assert checks[0].severity == dg.AssetCheckSeverity.WARN
    assert version_by_alias("purchase_propensity", "champion", settings) == 1
    assert version_by_alias("purchase_propensity", "challenger", settings) == 2
    decisions = history("purchase_propensity", settings)
    assert decisions["promoted"].tolist() == [True, False]  # the first model, then the tie
