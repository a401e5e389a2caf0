"""The monitoring domain on the materialized tiny shop: reports, checks, schedules, jobs."""

import json
from datetime import UTC, datetime

import dagster as dg
import pandas as pd
import pytest

pytestmark = pytest.mark.slow


def _monitored_day(instance) -> str:
    """The day `shoplens run` monitored: the newest with enough active users."""
    [run] = instance.get_runs(filters=dg.RunsFilter(job_name="monitoring_job"), limit=1)
    return run.tags["dagster/partition"]


def _active_users(data_dir, day: str) -> int:
    from ml.scoring import active_counts

    return active_counts(data_dir / "warehouse.duckdb").get(datetime.fromisoformat(day).date(), 0)


def test_the_newest_dense_day_is_monitored_with_reports_on_disk_and_in_the_workspace(materialized, data_dir, instance,
                                                                                     settings):
    from evidently.ui.workspace import Workspace

    from ml.feature_store import open_store
    from monitoring.drift import distinct_features
    from monitoring.store import PROJECT
    from orchestration.monitoring.resources import MonitoringSettings

    day = _monitored_day(instance)
    assert _active_users(data_dir, day) >= MonitoringSettings().min_day_rows
    reports = data_dir / "monitoring" / "reports" / day
    decision = json.loads((reports / "retrain_decision.json").read_text())
    assert set(decision["evidence"]["champion_age_days"]) == {"purchase_propensity", "churn"}
    features = json.loads((reports / "feature_drift_report.json").read_text())
    service = open_store(settings).get_feature_service("purchase_propensity_v2")
    served = {f.name for view in service.feature_view_projections for f in view.features}
    tested = {column["column"] for column in features["columns"]}
    current = pd.read_parquet(data_dir / "monitoring" / "samples" / f"{day}.parquet")
    reference = pd.read_parquet(data_dir / "monitoring" / "reference" / "purchase_propensity-v1.parquet")
    absent = {f for f in served if current[f].isna().all() and reference[f].isna().all()}
    # the simulator has no cancellations: that feature is null on both sides, not applicable, not tested;
    # a 63-day shop's 90- and 365-day counts are one column, tested once
    assert "cancelled_share_365d" in absent and features["current_rows"] > 0
    assert tested == set(distinct_features(reference, [f for f in reference.columns if f in served - absent]))
    assert "purchase_days_365d" not in tested and len(tested) < len(served - absent)
    assert features["share_drifted"] < 0.3  # the day lies inside the champion's own reference window
    for name in ("feature_drift_report", "prediction_drift_purchase_propensity", "prediction_drift_churn"):
        assert (reports / f"{name}.html").stat().st_size > 100_000
    assert (data_dir / "monitoring" / "reference" / "purchase_propensity-v1.parquet").exists()
    workspace = Workspace.create(str(data_dir / "monitoring" / "workspace"))
    [project] = workspace.search_project(PROJECT)
    assert len(workspace.list_runs(project.id)) >= 3

    [run] = instance.get_runs(filters=dg.RunsFilter(job_name="monitoring_job"), limit=1)
    checks = {record.event_log_entry.dagster_event.event_specific_data.check_name:
              record.event_log_entry.dagster_event.event_specific_data
              for record in instance.get_records_for_run(run.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION).records}
    assert set(checks) == {"check_monitoring_inputs", "check_feature_drift", "check_prediction_drift", "check_model_performance"}
    assert checks["check_monitoring_inputs"].passed
    assert checks["check_feature_drift"].severity == dg.AssetCheckSeverity.WARN


def test_a_thin_day_is_skipped_with_its_row_count_not_failed(materialized, data_dir, instance, defs):
    from orchestration.partitions import EVENT_DAYS

    day = instance.get_dynamic_partitions(EVENT_DAYS.name)[-8]  # a day no other test monitors
    users = _active_users(data_dir, day)
    config = {"resources": {"monitoring": {"config": {"min_day_rows": users + 1}}}}  # one user short
    result = defs.resolve_job_def("monitoring_job").execute_in_process(instance=instance, partition_key=day, run_config=config)
    checks = [e.asset_check_evaluation_data for e in result.all_events if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION]
    assert result.success and checks and all(check.passed for check in checks)
    [sample] = result.asset_materializations_for_node("monitored_users")
    assert sample.metadata["note"].value.startswith(f"thin day: {users} active users, fewer than {users + 1}")
    assert not (data_dir / "monitoring" / "reports" / day / "feature_drift_report.html").exists()


def test_a_day_without_events_is_a_broken_input_and_stops_the_reports(materialized, data_dir, instance, defs):
    from orchestration.partitions import EVENT_DAYS

    instance.add_dynamic_partitions(EVENT_DAYS.name, ["2030-01-01"])
    try:
        result = defs.resolve_job_def("monitoring_job").execute_in_process(
            instance=instance, partition_key="2030-01-01", raise_on_error=False)
    finally:
        instance.delete_dynamic_partition(EVENT_DAYS.name, "2030-01-01")
    [check] = [e.asset_check_evaluation_data for e in result.all_events
               if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION]
    assert not check.passed and check.severity == dg.AssetCheckSeverity.ERROR
    assert "current rows: none" in check.metadata["problems"].value
    built = {e.asset_key.to_user_string() for e in result.get_asset_materialization_events()}
    assert built == {"monitored_users"}  # the blocking check kept every report from running
    assert not (data_dir / "monitoring" / "reports" / "2030-01-01").exists()


def test_the_daily_schedule_targets_yesterday_and_registers_it(materialized, instance, defs):
    from orchestration.automation.schedules import daily_schedule, weekly_retrain_schedule
    from orchestration.partitions import EVENT_DAYS

    when = datetime(2031, 5, 6, 3, 0, tzinfo=UTC)
    try:
        context = dg.build_schedule_context(instance=instance, scheduled_execution_time=when, repository_def=defs.get_repository_def())
        request = daily_schedule.evaluate_tick(context)
        [run] = request.run_requests
        assert run.partition_key == "2031-05-05"
        assert instance.has_dynamic_partition(EVENT_DAYS.name, "2031-05-05")
    finally:
        instance.delete_dynamic_partition(EVENT_DAYS.name, "2031-05-05")
    weekly = weekly_retrain_schedule.evaluate_tick(dg.build_schedule_context(instance=instance, scheduled_execution_time=when))
    assert weekly.run_requests[0].tags["shoplens/trigger"] == "schedule"


def test_jobs_split_the_graph_as_the_automation_needs(data_dir, defs):

    def keys(job):
        return {k.to_user_string() for k in defs.resolve_job_def(job).asset_layer.executable_asset_keys}

    assert "purchase_propensity_model" not in keys("daily_job")
    assert {"landed_source", "user_features_daily", "online_features", "user_scores", "retrain_decision"} <= keys("daily_job")
    assert {"purchase_propensity_model", "churn_model", "demand_forecast_model", "user_scores"} <= keys("retrain_job")
    assert "retrain_decision" not in keys("build_job") and "landed_source" not in keys("retrain_job")
    assert keys("monitoring_job") == {"monitored_users", "feature_drift_report", "prediction_drift_report",
                                      "model_performance_report", "retrain_decision"}
    assert defs.resolve_sensor_def("retrain_sensor").job_name == "retrain_job"
