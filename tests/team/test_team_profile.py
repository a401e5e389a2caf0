"""The team profile on real servers: the whole graph with Dagster's storage and Feast's registry in PostgreSQL,
MLflow as a tracking server on PostgreSQL, online features in Redis, monitoring snapshots on an Evidently service
on PostgreSQL; the same scores as the local profile."""

from __future__ import annotations

import json
import shutil
import tempfile
import urllib.request
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from shoplens.settings import TEAM_DATABASES, Settings

SCORED = ("user_scores", "demand_forecasts", "customer_value", "user_segments", "review_sentiment", "campaign_lists")


@pytest.fixture(scope="module")
def team():
    """Throwaway servers started by `shoplens team up` in a data directory user postgres can reach; stopped at the end."""
    from apps import team

    if not team.postgres_bin() or not shutil.which("redis-server"):
        pytest.skip("PostgreSQL or redis-server is not installed (.ci/ensure-postgres and .ci/ensure-redis install "
                    "Debian's packages in CI)")

    root = Path(tempfile.mkdtemp(prefix="shoplens_team_"))
    root.chmod(0o755)
    local = Settings(data_dir=root / "data")
    try:
        servers = team.up(local)
        yield Settings.from_env({"SHOPLENS_PROFILE": "team"}, data_dir=local.data_dir), servers
    finally:
        team.down(local)
        shutil.rmtree(root, ignore_errors=True)


def _materialize(settings: Settings, shop: Path) -> Settings:
    from apps.materialize import materialize
    from apps.runner import Runner

    materialize(Runner(settings), f"canonical:{shop}")
    return settings


@pytest.fixture(scope="module")
def team_run(team, tiny_shop):
    """The whole graph under the team profile on the tiny shop."""
    return _materialize(team[0], tiny_shop)


@pytest.fixture(scope="module")
def local_run(as_materialized):
    """The same graph under the local profile: the session's tiny shop as `materialized` left it."""
    return as_materialized


def _frame(warehouse: Path, table: str) -> pd.DataFrame:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        frame = con.execute(f"select * from {table}").df()
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def test_the_team_profile_reads_the_servers_team_up_recorded(team):
    settings, servers = team
    assert (settings.postgres_url, settings.online_store, settings.tracking_uri, settings.evidently_url) == (
        servers["postgres"], servers["redis"], servers["mlflow"], servers["evidently"])
    assert json.loads(settings.paths.team_servers.read_text())["pids"] == servers["pids"]
    with pytest.raises(ValueError, match="SHOPLENS_POSTGRES_URL, SHOPLENS_ONLINE_STORE, MLFLOW_TRACKING_URI, SHOPLENS_EVIDENTLY_URL"):
        Settings.from_env({"SHOPLENS_PROFILE": "team"}, data_dir=settings.data_dir / "elsewhere")


def test_runs_and_event_logs_live_in_postgres(team_run):
    import psycopg

    from apps.runner import Runner

    team_instance = Runner(team_run).instance
    assert type(team_instance.run_storage).__name__ == "PostgresRunStorage"
    with psycopg.connect(team_run.database_url("dagster")) as con:
        runs = con.execute("select count(*) from runs where status = 'SUCCESS'").fetchone()[0]
        events = con.execute("select count(*) from event_logs").fetchone()[0]
    jobs = {run.job_name for run in team_instance.get_runs()}
    assert runs == len(team_instance.get_runs()) > 0 and events > 1000
    assert jobs >= {"ingest_source_job", "build_job", "monitoring_job"}
    with psycopg.connect(team_run.database_url("dagster")) as con:  # the instance keeps a connection between queries
        held = con.execute("select count(*) from pg_stat_activity where datname = %s and pid <> pg_backend_pid()",
                           [TEAM_DATABASES["dagster"]]).fetchone()[0]
    assert held >= 1
    assert not (team_run.paths.dagster_home / "history").exists()  # no SQLite run storage beside it
    limits = team_instance.get_concurrency_config().run_queue_config.tag_concurrency_limits
    assert limits == [{"key": "shoplens/warehouse", "limit": 1}]
    assert all(job.tags.get("shoplens/warehouse") for job in Runner(team_run).definitions.resolve_all_job_defs()
               if not job.name.startswith("__"))


def test_models_are_registered_and_promoted_on_the_server(team_run, local_run):
    from mlflow import MlflowClient

    from ml.catalogue import TRAINING_SETS
    from ml.tracking import champion

    client = MlflowClient(tracking_uri=team_run.tracking_uri, registry_uri=team_run.tracking_uri)
    registered = {model.name for model in client.search_registered_models()}
    assert registered >= set(TRAINING_SETS)
    for model in TRAINING_SETS:
        assert client.get_model_version_by_alias(model, "champion").version
        assert champion(model, team_run).metrics == pytest.approx(champion(model, local_run).metrics, abs=1e-9)
    assert not team_run.paths.mlflow.exists()  # nothing in the data directory's local store


def test_online_features_are_in_redis_and_equal_the_local_store(team_run, local_run):
    import redis

    from ml.feature_store import OnlineReader, online_store_kind, open_store
    from serving.scoring import USER_SERVICES

    team_store, local_store = open_store(team_run), open_store(local_run)
    assert online_store_kind(team_store) == "redis" and online_store_kind(local_store) == "sqlite"
    assert redis.Redis.from_url(team_run.online_store).dbsize() > 100
    ids = _frame(local_run.paths.warehouse, "user_scores")["user_id"].unique()[:50].tolist()
    team_rows = OnlineReader(team_store, USER_SERVICES, "user_id").read(ids)
    local_rows = OnlineReader(local_store, USER_SERVICES, "user_id").read(ids)
    assert team_rows["feature_timestamp"].notna().all()
    pd.testing.assert_frame_equal(team_rows, local_rows)


def test_the_team_profile_gives_the_local_profile_s_scores_and_reports(team_run, local_run):
    for table in SCORED:
        pd.testing.assert_frame_equal(_frame(team_run.paths.warehouse, table), _frame(local_run.paths.warehouse, table),
                                      obj=table)
    reports = sorted(p.relative_to(team_run.paths.monitoring) for p in (team_run.paths.monitoring / "reports").rglob("*.json"))
    local = sorted(p.relative_to(local_run.paths.monitoring) for p in (local_run.paths.monitoring / "reports").rglob("*.json"))
    assert reports == local and reports


def _get(url: str):
    with urllib.request.urlopen(url, timeout=30) as reply:
        return json.loads(reply.read())


def test_monitoring_snapshots_are_stored_on_the_evidently_service(team_run, local_run):
    import psycopg

    from monitoring.drift import drift
    from monitoring.store import PROJECT, add_snapshot

    server = team_run.evidently_url
    (project,) = [p for p in _get(f"{server}/api/projects") if p["name"] == PROJECT]
    names = sorted(report["name"] for report in _get(f"{server}/api/projects/{project['id']}/reports"))
    local_index = json.loads((local_run.paths.monitoring / "workspace" / "shoplens_index.json").read_text())
    assert names == sorted(key.replace("/", " ") for key in local_index) and names
    assert not (team_run.paths.monitoring / "workspace").exists()
    with psycopg.connect(team_run.database_url("evidently")) as con:
        assert con.execute("select count(*) from snapshots").fetchone()[0] == len(names)

    frame = pd.DataFrame({"x": [float(i % 7) for i in range(50)]})
    day, name = names[0].split(" ")
    add_snapshot(team_run.paths.monitoring, day, name, drift(frame, frame, ["x"]).snapshot, server=server)
    again = sorted(report["name"] for report in _get(f"{server}/api/projects/{project['id']}/reports"))
    assert again == names  # a rerun replaces the day's snapshot
