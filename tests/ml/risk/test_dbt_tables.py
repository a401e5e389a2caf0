"""The features read from dbt's own tables equal those read from the tests' hand-built warehouse (tests/ml/risk/warehouse.py)."""

from __future__ import annotations

import pandas as pd
import pytest

from ml.risk.features import load_sessions
from shoplens.ingest import export_event_days, export_tables, land, parse_source
from simulator.config import SimConfig
from simulator.run import simulate
from tests.dbt.test_dbt_marts import run_dbt
from tests.ml.risk.warehouse import simulated_warehouse

pytestmark = pytest.mark.slow


def test_dbt_sessions_give_the_same_features(tmp_path):
    source, data = tmp_path / "source", tmp_path / "data"
    simulate(SimConfig(users=300, days=4, seed=1, bot_share=0.1), source)
    report = land(parse_source(f"canonical:{source}"), data / "landing.duckdb")
    export_event_days(data / "landing.duckdb", data / "raw", report.event_days)
    export_tables(data / "landing.duckdb", data / "raw")
    run_dbt(data, "run", "--select", "+fct_sessions", "+int_events_sessionized")

    from_dbt = load_sessions(data / "warehouse.duckdb")
    assert len(from_dbt) > 50 and from_dbt["is_bot"].any()
    pd.testing.assert_frame_equal(from_dbt, load_sessions(simulated_warehouse(source, tmp_path / "hand.duckdb")))
