"""The detectors on a small simulated shop: judged on later days against the planted bots, chosen, flagging."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.risk.features import load_sessions
from ml.risk.plots import save_pr_curves
from ml.risk.train import FLAG_COLUMNS, RiskParams, TooFewSessions, flag_sessions, train_detectors
from simulator.config import SimConfig
from simulator.run import simulate
from tests.ml.risk.warehouse import simulated_warehouse

DETECTORS = ("rules", "isolation_forest", "xgboost")
RANKING = ("pr_auc", "precision_at_k", "recall_at_k")


@pytest.fixture(scope="module")
def sessions(tmp_path_factory) -> pd.DataFrame:
    """21 days of 2,000 users with 5 % bot sessions (about 170 sessions a day)."""
    root = tmp_path_factory.mktemp("risk_shop")
    simulate(SimConfig(users=2000, days=21, seed=3, bot_share=0.05), root / "source")
    return load_sessions(simulated_warehouse(root / "source", root / "warehouse.duckdb"))


@pytest.fixture(scope="module")
def trained(sessions):
    return train_detectors(sessions, RiskParams())


def _unlabelled(sessions: pd.DataFrame) -> pd.DataFrame:
    return sessions.assign(is_bot=pd.array([pd.NA] * len(sessions), dtype="boolean"))


def test_every_detector_beats_random_by_far_and_xgboost_is_chosen(trained):
    assert trained.name == "xgboost" and trained.notes == []
    base_rate = trained.test_scores["is_bot"].mean()
    by_name = trained.comparison.set_index("detector")
    assert list(by_name.index) == list(DETECTORS)
    assert (by_name["pr_auc"] > 10 * base_rate).all(), by_name
    assert by_name.loc[["rules", "xgboost"], "pr_auc"].min() > 0.95
    assert by_name.loc["xgboost", "recall_at_k"] > 0.9


def test_metric_names_and_the_chosen_detectors_test_figures(trained):
    assert set(trained.metrics) == {f"test_{m}" for m in RANKING} | {f"{d}_test_{m}" for d in DETECTORS for m in RANKING}
    assert all(trained.metrics[f"test_{m}"] == trained.metrics[f"xgboost_test_{m}"] for m in RANKING)
    assert all(0 <= v <= 1 for v in trained.metrics.values())


def test_the_split_date_is_later_than_every_train_session(trained, sessions):
    split = pd.Timestamp(trained.split_date)
    train = sessions[sessions["session_date"] < split]
    row = trained.comparison.iloc[0]
    assert train["session_start"].max() < split <= sessions["session_date"].max()
    assert row["train_sessions"] == len(train) and row["test_sessions"] == len(sessions) - len(train)
    assert sessions.loc[sessions["session_date"] >= split, "session_date"].nunique() == round(0.3 * 21)
    assert set(trained.test_scores["session_key"]) == set(sessions.loc[sessions["session_date"] >= split, "session_key"])


def test_flags_follow_the_flag_score(trained, sessions):
    for flag_score in (0.5, 0.99):
        flags = flag_sessions(trained.detector, sessions, RiskParams(flag_score=flag_score))
        assert list(flags.columns) == FLAG_COLUMNS and len(flags) == len(sessions)
        assert flags["flagged"].equals(flags["score"] >= flag_score) and flags["score"].between(0, 1).all()
    flags = flag_sessions(trained.detector, sessions, RiskParams())
    bots = sessions["is_bot"].to_numpy(bool)
    assert flags.loc[bots, "flagged"].mean() > 0.9 and flags.loc[~bots, "flagged"].mean() < 0.01
    assert trained.counts["flagged_sessions"] == flags["flagged"].sum()
    assert flags.loc[bots, "reason"].str.contains("events/min").mean() > 0.9


def test_on_human_sessions_without_labels_the_isolation_forest_flags_a_few_percent(sessions):
    humans = _unlabelled(sessions[~sessions["is_bot"].to_numpy(bool)])
    trained = train_detectors(humans, RiskParams())
    assert trained.name == "isolation_forest" and trained.metrics == {} and trained.split_date is None
    assert trained.notes == ["no session labels: the detector is unscored"]
    assert 0.005 < trained.counts["flagged_share"] < 0.04
    assert trained.comparison.set_index("detector")["flagged_share"].max() < 0.04


def test_few_bots_leave_xgboost_out_and_the_isolation_forest_chosen(sessions):
    trained = train_detectors(sessions, RiskParams(min_bots=1000))
    assert trained.name == "isolation_forest"
    assert trained.notes[0].startswith("xgboost not trained: ") and "it needs 1000 on each side" in trained.notes[0]
    assert set(trained.metrics) == {f"test_{m}" for m in RANKING} | {f"{d}_test_{m}" for d in DETECTORS[:2] for m in RANKING}


def test_one_day_falls_back_to_the_unsupervised_detector_and_says_why(sessions):
    day = sessions[sessions["session_date"] == sessions["session_date"].max()]
    trained = train_detectors(day, RiskParams())
    assert trained.name == "isolation_forest" and trained.metrics == {} and trained.split_date is None
    assert trained.notes == [f"one day of data ({day['session_date'].iloc[0].date()}): no later day to judge the detectors "
                             "on, so the detector is unscored"]


def test_too_few_sessions_raise_with_the_reason(sessions):
    with pytest.raises(TooFewSessions, match="^49 sessions: the risk detectors need at least 50$"):
        train_detectors(sessions.head(49), RiskParams())
    with pytest.raises(TooFewSessions, match="^0 sessions"):
        train_detectors(sessions.head(0), RiskParams())


def test_shuffled_labels_leave_xgboost_no_better_than_chance(sessions):
    rng = np.random.default_rng(0)
    shuffled = sessions.assign(is_bot=pd.array(rng.permutation(sessions["is_bot"].to_numpy(bool)), dtype="boolean"))
    trained = train_detectors(shuffled, RiskParams())
    assert trained.name == "xgboost"
    assert trained.metrics["xgboost_test_pr_auc"] < 3 * trained.test_scores["is_bot"].mean()


def test_pr_curves_plot(trained, tmp_path):
    path = save_pr_curves(trained.test_scores, tmp_path / "plots" / "pr.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
