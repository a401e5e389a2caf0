"""One settings object from the environment and flags; importing the code changes nothing."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from shoplens.settings import ENVIRONMENT, Settings

REPO = Path(__file__).resolve().parents[2]


def test_the_environment_then_the_flags_make_the_settings(tmp_path):
    env = {"SHOPLENS_DATA_DIR": str(tmp_path / "a"), "SHOPLENS_DBT_MEMORY_LIMIT": "1GB", "SHOPLENS_API_KEYS": "k1, k2,",
           "MLFLOW_TRACKING_URI": "http://127.0.0.1:5999", "SHOPLENS_ONLINE_STORE": ""}
    settings = Settings.from_env(env, data_dir=tmp_path / "b", online_store=None)
    assert settings.data_dir == (tmp_path / "b").resolve()  # the flag wins
    assert settings.dbt_memory_limit == "1GB" and settings.api_keys == ("k1", "k2")
    assert settings.online_store is None  # empty is unset
    assert settings.tracking_uri == "http://127.0.0.1:5999" and not settings.local_mlflow
    assert settings.dbt_vars() == {"data_dir": str(tmp_path / "b"), "memory_limit": "1GB"}


def test_the_defaults_keep_everything_in_the_data_directory(tmp_path):
    settings = Settings.from_env({}, data_dir=tmp_path)
    assert settings.tracking_uri == f"sqlite:///{tmp_path}/mlflow/mlflow.db" and settings.local_mlflow
    assert settings.source_spec == f"canonical:{tmp_path}/sources/simulated"
    assert settings.paths.training_set("churn") == tmp_path / "training_sets" / "churn.parquet"
    assert not tmp_path.joinpath("mlflow").exists()  # nothing is created by building settings


def test_a_child_process_gets_the_same_settings_back(tmp_path):
    settings = Settings(data_dir=tmp_path, online_store="redis://127.0.0.1:1", pseudonymise_key="secret", api_keys=("a",))
    env = settings.environment()
    assert env["DAGSTER_HOME"] == str(tmp_path / "dagster") and set(ENVIRONMENT.values()) >= set(env) - {"DAGSTER_HOME", "DO_NOT_TRACK"}
    assert Settings.from_env(env) == settings


def test_the_team_profile_names_what_it_lacks_and_takes_the_recorded_servers(tmp_path):
    lacking = "needs SHOPLENS_POSTGRES_URL, SHOPLENS_ONLINE_STORE, MLFLOW_TRACKING_URI, SHOPLENS_EVIDENTLY_URL.*make team-up"
    with pytest.raises(ValueError, match=lacking):
        Settings.from_env({"SHOPLENS_PROFILE": "team"}, data_dir=tmp_path)
    (tmp_path / "team").mkdir()
    (tmp_path / "team" / "servers.json").write_text(json.dumps(
        {"postgres": "postgresql://shoplens@127.0.0.1:5", "redis": "redis://127.0.0.1:6", "mlflow": "http://127.0.0.1:7",
         "evidently": "http://127.0.0.1:8/"}))
    recorded = Settings.from_env({"SHOPLENS_PROFILE": "team"}, data_dir=tmp_path)
    assert (recorded.postgres_url, recorded.online_store, recorded.tracking_uri, recorded.evidently_url) == (
        "postgresql://shoplens@127.0.0.1:5", "redis://127.0.0.1:6", "http://127.0.0.1:7", "http://127.0.0.1:8/")
    assert recorded.evidently_link == "http://127.0.0.1:8"  # report links point at the service storing them
    assert recorded.database_url("feast", driver="psycopg") == "postgresql+psycopg://shoplens@127.0.0.1:5/shoplens_feast"
    own = Settings.from_env({"SHOPLENS_PROFILE": "team", "MLFLOW_TRACKING_URI": "http://mlflow.team:5000"}, data_dir=tmp_path)
    assert own.tracking_uri == "http://mlflow.team:5000"  # a variable wins over the record
    assert Settings.from_env({}, data_dir=tmp_path).postgres_url is None  # the local profile ignores the record


@pytest.mark.parametrize("field, value, message", [
    ("profile", "cluster", "SHOPLENS_PROFILE must be one of local, team"),
    ("postgres_url", "postgresql://u:secret@db:5432", "must not hold a password"),
    ("postgres_url", "postgresql://u@db:5432/mydb", "a server; ShopLens keeps its own databases"),
    ("postgres_url", "mysql://u@db", "must be postgresql://user@host:port"),
])
def test_a_bad_profile_or_postgres_url_is_refused(tmp_path, field, value, message):
    with pytest.raises(ValueError, match=message):
        Settings(data_dir=tmp_path, **{field: value})


def test_an_unknown_online_store_is_refused(tmp_path):
    with pytest.raises(ValueError, match="redis://host:port"):
        Settings(data_dir=tmp_path, online_store="memcached://x")


@pytest.mark.parametrize("value, message", [("soon", "a number of seconds"), ("0", "more than 0"), ("-5", "more than 0")])
def test_a_bad_model_poll_interval_is_refused_naming_the_variable(tmp_path, value, message):
    with pytest.raises(ValueError, match=f"SHOPLENS_MODEL_POLL_SECONDS must be {message}"):
        Settings.from_env({"SHOPLENS_DATA_DIR": str(tmp_path), "SHOPLENS_MODEL_POLL_SECONDS": value})
    assert Settings.from_env({"SHOPLENS_MODEL_POLL_SECONDS": "2.5"}).model_poll_seconds == 2.5


def test_the_python_pseudonym_is_the_one_ingest_writes():
    import duckdb

    from shoplens.ingest.sql import pseudonym, pseudonym_of

    ids = ["10005", "u000001", "ünï's id", ""]
    with duckdb.connect() as con:
        hashed = [con.execute(f"select {pseudonym('?', 'k3y')}", [i]).fetchone()[0] for i in ids]
    assert hashed == [pseudonym_of(i, "k3y") for i in ids] and len({*hashed}) == len(ids)


def test_importing_every_package_creates_nothing_and_leaves_the_environment_alone(tmp_path):
    """No module of ours changes os.environ, creates folders, parses dbt or fixes a data path at import
    (Feast and the BLAS libraries set variables of their own: KMP_*, PROMETHEUS_*)."""
    data = tmp_path / "never"
    ours = ("SHOPLENS_", "DAGSTER_", "DBT_", "MLFLOW_", "DO_NOT_TRACK")
    code = ("import json, os; before = dict(os.environ); "
            "import apps.cli, apps.scenario, serving.app, orchestration.definitions, monitoring.champions, ml.feature_store, "
            "feature_repo.repository, shoplens.ingest; "
            f"print(json.dumps(sorted(k for k, _ in set(os.environ.items()) ^ set(before.items()) if k.startswith({ours}))))")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300,
                          env={"SHOPLENS_DATA_DIR": str(data), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr[-3000:]
    assert json.loads(done.stdout.strip().splitlines()[-1]) == []
    assert not data.exists() and not (REPO / "data" / "never").exists()
