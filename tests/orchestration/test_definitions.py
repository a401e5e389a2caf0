import dagster as dg


def test_definitions_load_with_the_whole_graph(defs):

    keys = {key.to_user_string() for key in defs.resolve_asset_graph().get_all_asset_keys()}
    assert {"landed_source", "raw_events", "raw_quarantine", "stg_events", "fct_sessions", "labels"} <= keys
    assert defs.resolve_job_def("ingest_source_job") and defs.resolve_job_def("build_job")


def test_dbt_tests_are_asset_checks_and_sources_are_ingest_assets(defs):

    graph = defs.resolve_asset_graph()
    assert any(check.asset_key == dg.AssetKey("fct_sessions") for check in graph.asset_check_keys)
    assert dg.AssetKey("raw_events") in graph.get(dg.AssetKey("stg_events")).parent_keys


def test_daily_marts_share_the_event_day_partitions(defs):
    from orchestration.partitions import EVENT_DAYS

    graph = defs.resolve_asset_graph()
    assert graph.get(dg.AssetKey("user_features_daily")).partitions_def == EVENT_DAYS
    assert graph.get(dg.AssetKey("raw_events")).partitions_def == EVENT_DAYS
    assert graph.get(dg.AssetKey("labels")).partitions_def is None


def test_the_workspace_loads_as_dagster_dev_loads_it(settings, instance):
    """What `dagster dev` does with workspace.yaml: one Definitions object per module, built from
    the environment's settings when the code location loads."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    from shoplens.settings import without_settings

    dagster = Path(sys.executable).parent / "dagster"
    done = subprocess.run([str(dagster), "definitions", "validate", "-w", "workspace.yaml"],
                          env={**without_settings(os.environ), **settings.environment()},
                          cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "All code locations passed validation" in done.stderr + done.stdout


def test_flagged_sessions_reach_dbt_between_the_daily_and_the_history_marts(defs):
    graph = defs.resolve_asset_graph()
    assert dg.AssetKey("fct_sessions") in graph.get(dg.AssetKey("suspicious_sessions")).parent_keys
    assert dg.AssetKey("suspicious_sessions") in graph.get(dg.AssetKey("excluded_sessions")).parent_keys
    assert dg.AssetKey("excluded_sessions") in graph.get(dg.AssetKey("labels")).parent_keys
