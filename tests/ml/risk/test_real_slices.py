"""Three hours of REES46 (no labels, one day): the isolation forest is chosen, flags a small share, says why it is unscored."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ml.risk.features import load_sessions
from ml.risk.train import RiskParams, flag_sessions, train_detectors
from tests.ml.risk.warehouse import EVENT_COLUMNS, build_warehouse

REES46 = Path(__file__).resolve().parents[3].parent / "shared" / "data" / "rees46" / "2019-Oct_head.csv"


@pytest.mark.skipif(not REES46.exists(), reason="../shared/data (real REES46 slice) is absent")
def test_three_hours_of_rees46_flag_a_small_share(tmp_path):
    raw = pd.read_csv(REES46, dtype={"product_id": str, "user_id": str})
    events = raw.assign(
        event_id=[f"e{i}" for i in range(len(raw))],
        event_time=pd.to_datetime(raw["event_time"].str.removesuffix(" UTC")),
        session_id=raw["user_session"], quantity=1, order_id=None,
    )[EVENT_COLUMNS]
    sessions = load_sessions(build_warehouse(tmp_path / "warehouse.duckdb", events))
    assert len(sessions) == 5066 and sessions["is_bot"].isna().all()

    trained = train_detectors(sessions, RiskParams())
    assert trained.name == "isolation_forest" and trained.metrics == {} and trained.split_date is None
    assert trained.notes == ["no session labels: the detector is unscored"]
    flags = flag_sessions(trained.detector, sessions, RiskParams())
    assert 0 < flags["flagged"].mean() < 0.05
    assert flags["flagged"].sum() == trained.counts["flagged_sessions"]
    assert flags["reason"].str.len().gt(0).all()
