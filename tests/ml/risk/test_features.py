"""The session features from a small hand-made warehouse, against hand-computed values."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from ml.risk.features import SESSION_COLUMNS, SESSION_FEATURES, load_sessions
from tests.ml.risk.warehouse import EVENT_COLUMNS, build_warehouse

T = datetime
# user, session, time, event type, product
EVENTS = [
    ("u1", "s1", T(2024, 1, 1, 10, 0, 0), "view", "p1"),
    ("u1", "s1", T(2024, 1, 1, 10, 0, 30), "view", "p2"),
    ("u1", "s1", T(2024, 1, 1, 10, 1, 30), "cart", "p1"),
    ("u1", "s1", T(2024, 1, 1, 10, 2, 0), "purchase", "p1"),
    ("u1", "s2", T(2024, 1, 1, 10, 40, 0), "purchase", "p3"),  # the same hour as s1's purchase: a burst of 3
    ("u1", "s2", T(2024, 1, 1, 10, 40, 0), "purchase", "p4"),
    ("u2", "s3", T(2024, 1, 2, 5, 59, 0), "view", "p1"),
    ("u2", "s3", T(2024, 1, 2, 5, 59, 0), "view", "p1"),
    ("u2", "s3", T(2024, 1, 2, 5, 59, 0), "view", "p2"),
    ("u2", "s3", T(2024, 1, 2, 6, 0, 0), "cart", "p2"),  # carted, never bought: a payment-less cart
    ("u2", "s4", T(2024, 1, 2, 12, 0, 0), "view", "p1"),
    ("u2", "s4", T(2024, 1, 2, 12, 0, 10), "view", "p1"),
    ("u2", "s4", T(2024, 1, 2, 12, 0, 20), "view", "p1"),
    ("u3", "s5", T(2024, 1, 2, 23, 50, 0), "view", "p5"),
    ("u3", "s5", T(2024, 1, 3, 0, 10, 0), "purchase", "p5"),  # after midnight: not the start day's burst
    ("u4", "s6", T(2024, 1, 3, 9, 0, 0), "view", "p1"),
    ("u4", "s6", T(2024, 1, 3, 9, 0, 0), "view", "p2"),
    ("u4", "s6", T(2024, 1, 3, 9, 0, 0), "view", "p3"),
]
# s1: gaps 30, 60, 30 s -> mean 40, population sd sqrt(200); s3: gaps 0, 0, 60 -> mean 20, sd sqrt(800)
EXPECTED = pd.DataFrame(
    [
        ("s1", 4 / 2, 4, 2, 2.0, 0.5, np.sqrt(200) / 40, 0.0, 3, 0),
        ("s2", 2 / 1, 2, 2, 0.0, 0.0, 1.0, 0.0, 3, 0),  # no views; one gap: the neutral 1
        ("s3", 4 / 1, 4, 2, 1.0, 0.5, np.sqrt(800) / 20, 0.75, 0, 1),
        ("s4", 3 / 1, 3, 1, 20 / 60, 1.0, 0.0, 0.0, 0, 0),  # 20 s: the rate over the 1-minute floor
        ("s5", 2 / 20, 2, 1, 20.0, 0.0, 1.0, 0.5, 0, 0),
        ("s6", 3 / 1, 3, 3, 0.0, 1.0, 0.0, 0.0, 0, 0),  # a mean gap of 0: perfectly regular
    ],
    columns=["session_key", *SESSION_FEATURES],
)


def _events(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["user_id", "session_id", "event_time", "event_type", "product_id"])
    return frame.assign(event_id=[f"e{i}" for i in range(len(frame))], price=10.0, quantity=1,
                        order_id=np.where(frame["event_type"] == "purchase", frame["session_id"], None))[EVENT_COLUMNS]


@pytest.fixture
def warehouse(tmp_path):
    labels = pd.DataFrame({"session_id": ["s1", "s2"], "is_bot": [False, True]})
    return build_warehouse(tmp_path / "shop's data — ü" / "warehouse.duckdb", _events(EVENTS), labels)


def test_features_equal_hand_computed_values(warehouse):
    sessions = load_sessions(warehouse)
    assert list(sessions.columns) == [*SESSION_COLUMNS, *SESSION_FEATURES]
    pd.testing.assert_frame_equal(sessions[["session_key", *SESSION_FEATURES]], EXPECTED, check_dtype=False)
    assert not sessions[list(SESSION_FEATURES)].isna().any().any()
    assert sessions["is_bot"].dtype == "boolean"
    assert sessions["is_bot"].tolist() == [False, True, pd.NA, pd.NA, pd.NA, pd.NA]
    assert sessions["session_date"].dt.date.tolist() == [date(2024, 1, 1)] * 2 + [date(2024, 1, 2)] * 3 + [date(2024, 1, 3)]


def test_until_keeps_the_sessions_started_by_that_day(warehouse):
    sessions = load_sessions(warehouse, until=date(2024, 1, 2))
    assert sessions["session_key"].tolist() == ["s1", "s2", "s3", "s4", "s5"]
    # s5 runs past midnight and stays whole
    assert sessions.set_index("session_key").loc["s5", "duration_minutes"] == 20.0
    assert load_sessions(warehouse, until=date(2023, 12, 31)).empty


def test_a_source_without_labels_has_them_all_missing(tmp_path):
    sessions = load_sessions(build_warehouse(tmp_path / "w.duckdb", _events(EVENTS)))
    assert len(sessions) == 6 and sessions["is_bot"].isna().all()
