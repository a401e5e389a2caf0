"""One tiny simulated shop materialized through Dagster, shared by the orchestration and serving tests."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from datetime import date

import pytest

# `make test` runs the suite on two pytest-xdist workers, a whole module at a time: these modules first, their
# fixtures being minutes long, so that both workers end together (the rest keeps its order).
SLOWEST_FIRST = ("team/test_team_profile.py", "scenario/test_drift_scenario.py", "dbt/test_dbt_spark.py",
                 "features/test_spark_store.py", "bench/test_bench_smoke.py", "cli/test_source_shapes.py",
                 "orchestration/test_ui_browser.py", "cli/test_cli.py")
# Modules that share a session fixture too long to build twice run on the same worker, as one unit.
SHARED_FIXTURES = {
    "spark_built": ("dbt/test_dbt_spark.py", "features/test_spark_store.py"),
    "materialized": ("team/test_team_profile.py", "orchestration/test_ui_browser.py", "orchestration/test_features_graph.py",
                     "orchestration/test_materialize.py", "orchestration/test_monitoring_graph.py",
                     "orchestration/test_profiles_graph.py", "orchestration/test_recommendations_graph.py",
                     "orchestration/test_reviews_risk_graph.py", "orchestration/test_training_graph.py",
                     "serving/test_api.py", "serving/test_fuzz.py", "serving/test_hot_swap.py", "serving/test_parity.py"),
}
SAME_WORKER = {module: fixture for fixture, modules in SHARED_FIXTURES.items() for module in modules}


def _module(nodeid: str) -> str:
    return nodeid.split("::", 1)[0].removeprefix("tests/")


def _rank(item) -> int:
    module = _module(item.nodeid)
    return SLOWEST_FIRST.index(module) if module in SLOWEST_FIRST else len(SLOWEST_FIRST)


def pytest_collection_modifyitems(items):
    unlisted = sorted({_module(item.nodeid) for item in items for fixture in SHARED_FIXTURES
                       if fixture in item.fixturenames and SAME_WORKER.get(_module(item.nodeid)) != fixture})
    if unlisted:
        raise pytest.UsageError(f"tests/conftest.py: add {', '.join(unlisted)} to SHARED_FIXTURES")
    items.sort(key=_rank)


@pytest.hookimpl(optionalhook=True)  # pytest without xdist still loads this file
def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class ByModule(LoadScopeScheduling):
        """Whole modules to a worker in collection order (`--no-loadscope-reorder`), SAME_WORKER's together."""

        def _split_scope(self, nodeid: str) -> str:
            return SAME_WORKER.get(_module(nodeid), _module(nodeid))

    return ByModule(config, log)


@pytest.fixture(scope="session")
def settings(tmp_path_factory):
    """The session's settings: a data directory of its own, everything else the defaults."""
    from shoplens.settings import Settings

    return Settings(data_dir=tmp_path_factory.mktemp("shoplens_data"))


@pytest.fixture(scope="session")
def data_dir(settings):
    return settings.data_dir


@pytest.fixture(scope="session")
def runner(settings):
    from apps.runner import Runner

    return Runner(settings)


@pytest.fixture(scope="session")
def defs(runner):
    return runner.definitions


@pytest.fixture(scope="session")
def instance(runner):
    return runner.instance


@pytest.fixture(scope="session")
def tiny_shop(data_dir):
    """A 400-user, 63-day simulated shop: enough weeks for churn labels (30 days ahead) on 3 cutoffs."""
    from simulator import SimConfig, simulate

    out = data_dir / "sources" / "tiny"
    simulate(SimConfig(users=400, days=63, seed=3, start_date=date(2024, 3, 4)), out)
    return out


@pytest.fixture(scope="session")
def materialized(runner, tiny_shop, tmp_path_factory):
    """The whole graph materialized on the tiny shop, as `shoplens run` does it; the data directory is copied
    right after, for `as_materialized`."""
    from apps.materialize import materialize

    materialize(runner, f"canonical:{tiny_shop}")
    runner.instance.event_log_storage.close_connections()
    shutil.copytree(runner.settings.data_dir, tmp_path_factory.getbasetemp() / "as_materialized")
    return tiny_shop


@pytest.fixture(scope="session")
def as_materialized(materialized, settings, tmp_path_factory):
    """Settings of the data directory exactly as `materialized` left it: other tests go on to change the
    session's own (daily runs, retraining, failing runs on purpose)."""
    return settings.with_(data_dir=tmp_path_factory.getbasetemp() / "as_materialized")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def redis_url():
    """A real redis-server on 127.0.0.1 and a free port, stopped after the test."""
    server = shutil.which("redis-server")
    if not server:
        pytest.skip("redis-server is not installed (.ci/ensure-redis installs Debian's package in CI)")
    port = _free_port()
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                               stdout=subprocess.DEVNULL)
    for _ in range(50):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    yield f"redis://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="session")
def spark_built(tmp_path_factory, tiny_shop):
    """The tiny shop landed, its marts built by dbt on DuckDB and again on a local Spark (`shoplens spark build`'s
    path, models only): returns the settings of that data directory."""
    if not shutil.which("java"):
        pytest.skip("Java is not installed (.ci/ensure-java installs Debian's openjdk-17-jre-headless in CI)")
    from apps.spark import build
    from shoplens.ingest import export_event_days, export_tables, land, parse_source
    from shoplens.settings import Settings
    from tests.dbt.test_dbt_marts import run_dbt

    settings = Settings(data_dir=tmp_path_factory.mktemp("spark_shop"))
    report = land(parse_source(f"canonical:{tiny_shop}"), settings.paths.landing_db)
    export_event_days(settings.paths.landing_db, settings.paths.raw, report.event_days)
    export_tables(settings.paths.landing_db, settings.paths.raw)
    run_dbt(settings.data_dir, "run")
    build(settings, tests=False)
    return settings
