"""Tiny simulator runs shared by the simulator tests (generated once per session)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from simulator import SimConfig, simulate
from simulator.output import GROUND_TRUTH

TINY = SimConfig(users=3000, days=28, seed=11, start_date=date(2024, 1, 1))
DRIFT = SimConfig(users=2000, days=28, seed=5, start_date=date(2024, 3, 4), drift_day=14)
NO_STAPLES = SimConfig(users=1500, days=28, seed=11, staple_user_share=0.0)


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory) -> tuple[SimConfig, Path, object]:
    out = tmp_path_factory.mktemp("sim_tiny")
    return TINY, out, simulate(TINY, out)


@pytest.fixture(scope="session")
def drift_run(tmp_path_factory) -> tuple[SimConfig, Path, object]:
    out = tmp_path_factory.mktemp("sim_drift")
    return DRIFT, out, simulate(DRIFT, out)


@pytest.fixture(scope="session")
def no_staples_run(tmp_path_factory) -> tuple[SimConfig, Path, object]:
    out = tmp_path_factory.mktemp("sim_no_staples")
    return NO_STAPLES, out, simulate(NO_STAPLES, out)


def connect(out: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with views over one simulated directory (h = human events)."""
    con = duckdb.connect()
    con.sql(f"create view events as select * from read_parquet('{out}/events/*/*.parquet', hive_partitioning=false)")
    con.sql(f"create view labels as select * from read_parquet('{out}/session_labels.parquet')")
    con.sql(f"create view reviews as select * from read_parquet('{out}/reviews/*/*.parquet', hive_partitioning=false)")
    con.sql(f"create view users as select * from read_parquet('{out}/users.parquet')")
    con.sql(f"create view products as select * from read_parquet('{out}/products.parquet')")
    for name in (*GROUND_TRUTH, "user_factors", "product_factors"):
        con.sql(f"create view {name} as select * from read_parquet('{out}/ground_truth/{name}.parquet')")
    con.sql("create view h as select e.* from events e join labels l using (session_id) where not l.is_bot")
    return con


@pytest.fixture(scope="session")
def tiny_db(tiny_run) -> duckdb.DuckDBPyConnection:
    return connect(tiny_run[1])


@pytest.fixture(scope="session")
def drift_db(drift_run) -> duckdb.DuckDBPyConnection:
    return connect(drift_run[1])


@pytest.fixture(scope="session")
def no_staples_db(no_staples_run) -> duckdb.DuckDBPyConnection:
    return connect(no_staples_run[1])
