"""The whole graph through Dagster on a tiny simulated shop, with the real dbt and DuckDB."""

import dagster as dg
import duckdb
import pytest

pytestmark = pytest.mark.slow

DAILY_MARTS = ("fct_sessions", "user_features_daily", "product_features_daily", "product_demand_daily", "funnel_daily")
# co_purchase_pairs is built too, but a 400-user shop has hardly any pair bought together twice.
HISTORY_MARTS = ("fct_orders", "dim_users", "dim_products", "user_product_interactions",
                 "cohort_retention_weekly", "labels")


def _counts(data_dir, tables):
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        return {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in tables}


def test_every_mart_is_built_and_every_check_passes(as_materialized):
    from apps.runner import Runner

    counts = _counts(as_materialized.data_dir, DAILY_MARTS + HISTORY_MARTS)
    assert all(n > 0 for n in counts.values()), counts
    instance = Runner(as_materialized).instance
    runs = instance.get_runs()
    assert runs and all(run.is_success for run in runs)
    build = instance.get_runs(filters=dg.RunsFilter(job_name="build_job"))[-1]  # the first, the whole build
    checks = [
        record.event_log_entry.dagster_event.event_specific_data
        for record in instance.get_records_for_run(build.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION).records
    ]
    failed = [f"{check.asset_key.to_user_string()}: {check.check_name}" for check in checks if not check.passed]
    assert len(checks) > 20 and not failed, failed


def test_partitions_mirror_the_source_days(materialized, instance):
    from orchestration.partitions import EVENT_DAYS

    days = instance.get_dynamic_partitions(EVENT_DAYS.name)
    assert days[0] == "2024-03-04" and len(days) == 63 and days == sorted(days)


def test_landing_reports_rows_and_quarantine(materialized, instance):
    event = instance.get_latest_materialization_event(dg.AssetKey("landed_source"))
    metadata = event.asset_materialization.metadata
    assert metadata["rows_events"].value > 1000
    assert metadata["quarantined_rows"].value >= 0
    assert metadata["event_days"].value == 63
    check = instance.event_log_storage.get_latest_asset_check_execution_by_key(
        [dg.AssetCheckKey(dg.AssetKey("landed_source"), "check_quarantine_share")]
    )
    assert check and next(iter(check.values())).status.value == "SUCCEEDED"


def test_rerunning_a_day_replaces_it(materialized, data_dir, instance, defs):

    before = _counts(data_dir, DAILY_MARTS)
    day = "2024-03-10"
    result = defs.resolve_job_def("build_job").execute_in_process(
        instance=instance,
        partition_key=day,
        asset_selection=[dg.AssetKey("raw_events"), *[dg.AssetKey(t) for t in DAILY_MARTS]],
    )
    assert result.success
    assert _counts(data_dir, DAILY_MARTS) == before
    files = list((data_dir / "raw" / "events").glob(f"event_date={day}/*.parquet"))
    assert len(files) == 1
