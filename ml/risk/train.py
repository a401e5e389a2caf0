"""Fit the three session detectors, judge them on later days against labelled bots, choose one, flag sessions.

The split is by session start day: the last `test_days` share of the days (at least one, and at least one day
left to train on) is the test, every earlier day trains. Each detector is fitted on the train days only (the
rules fit nothing) and judged on the labelled test sessions; the returned detector is that fit, the one the
metrics describe. XGBoost is chosen where both sides hold `min_bots` labelled bots, else the isolation forest.
Without labels, or with a single day, there is nothing to judge on: the isolation forest is fitted on every
session and the training says why it is unscored.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from ml.params import param
from ml.risk.detectors import Detector, IsolationDetector, RuleDetector, Rules, SupervisedDetector
from ml.risk.evaluate import ranking_metrics

RANKING = ("pr_auc", "precision_at_k", "recall_at_k")
FLAG_COLUMNS = ["session_key", "user_id", "session_date", "score", "detector", "reason", "flagged"]


@dataclass(frozen=True)
class RiskParams:
    """The flag threshold, the time split, the minimum data, the detectors' settings and the rule thresholds."""

    flag_score: float = param(0.5, "Sessions scoring at least this are flagged (every detector scores on [0, 1], higher = more suspicious)")
    test_days: float = param(0.3, "Share of the latest days the detectors are judged on (at least one day, at least one left to train)")
    k: int = param(100, "Precision and recall at k: the k highest-scoring test sessions (capped by the test size)")
    min_sessions: int = param(50, "Fewer sessions and no detector is fitted (TooFewSessions)")
    min_bots: int = param(20, "XGBoost is trained and chosen only with this many labelled bots in the train days and in the test days")
    n_estimators: int = param(200, "Isolation-forest trees")
    max_samples: int = param(256, "Sessions drawn for each isolation tree")
    contamination: float = param(
        0.02, "Expected share of anomalous sessions: the isolation forest's (1 - contamination) quantile of its fit sessions' "
              "anomaly score maps to 0.5, so it flags about this share of sessions like them")
    xgb_n_estimators: int = param(200, "XGBoost trees (CLASSIFIER_XGB's other settings, no early stopping)")
    seed: int = param(42, "Seed of the isolation forest and of XGBoost")
    rule_events_per_minute: float = param(10.0, "Strong rule (0.5): at least this many events per minute (humans browse at 1-3)")
    rule_products: int = param(30, "Strong rule (0.5): at least this many distinct products in one session")
    rule_uncarted_products: int = param(15, "Weak rule (0.25): at least this many products and none of the viewed ones carted")
    rule_night_share: float = param(0.5, "Weak rule (0.25): at least this share of the session's events at 00:00-05:59 UTC")
    rule_purchase_burst: int = param(4, "Weak rule (0.25): at least this many purchases by the user within one clock hour")
    rule_paymentless_carts: int = param(5, "Weak rule (0.25): at least this many carts in a session without a purchase")
    rule_regular_gap_cv: float = param(0.2, "Weak rule (0.25): gaps between events at most this variable (CV) ...")
    rule_regular_min_events: int = param(10, "... over at least this many events (few gaps are regular by chance)")

    def __post_init__(self) -> None:
        if not 0 < self.flag_score <= 1:
            raise ValueError(f"flag_score must lie in (0, 1], got {self.flag_score}")
        if not 0 < self.test_days < 1:
            raise ValueError(f"test_days is a share of the days in (0, 1), got {self.test_days}")
        if not 0 < self.contamination < 0.5:
            raise ValueError(f"contamination must lie in (0, 0.5), got {self.contamination}")

    def rules(self) -> Rules:
        return Rules(self.rule_events_per_minute, self.rule_products, self.rule_uncarted_products, self.rule_night_share,
                     self.rule_purchase_burst, self.rule_paymentless_carts, self.rule_regular_gap_cv,
                     self.rule_regular_min_events)


class TooFewSessions(ValueError):
    """Too few sessions to fit a detector on: the message is the reason."""


@dataclass
class RiskTraining:
    detector: Detector  # the chosen one, fitted on the train days (every session where unscored)
    name: str
    metrics: dict[str, float]  # test_* of the chosen detector and <name>_test_* of each; empty where unscored
    notes: list[str]
    comparison: pd.DataFrame  # per detector: pr_auc, precision_at_k, recall_at_k, k, flagged_share, sizes of the split
    split_date: date | None  # the first test day; None where unscored
    test_scores: pd.DataFrame  # per labelled test session: session_key, is_bot, one score column per detector (PR curves)
    counts: dict[str, float]  # sessions, days, flagged_sessions and flagged_share of the chosen detector over every session


def split_date(days: pd.Series, test_days: float) -> date | None:
    """The first of the last max(1, round(test_days * n)) distinct days (one left to train on); None with one day."""
    distinct = np.sort(pd.to_datetime(days).dt.normalize().unique())
    if len(distinct) < 2:
        return None
    n_test = min(len(distinct) - 1, max(1, round(test_days * len(distinct))))
    return pd.Timestamp(distinct[-n_test]).date()


def _detectors(params: RiskParams) -> tuple[RuleDetector, IsolationDetector]:
    rules = params.rules()
    return RuleDetector(rules), IsolationDetector(rules, params.n_estimators, params.max_samples, params.contamination, params.seed)


def _unscored(sessions: pd.DataFrame, params: RiskParams, notes: list[str]) -> RiskTraining:
    """The isolation forest fitted on every session; each unsupervised detector's flagged share, no metrics."""
    rules, forest = _detectors(params)
    forest.fit(sessions)
    comparison = pd.DataFrame([{"detector": d.name, **dict.fromkeys(RANKING, np.nan), "k": np.nan,
                                "flagged_share": float(np.mean(d.score(sessions) >= params.flag_score)),
                                "train_sessions": len(sessions)} for d in (rules, forest)])
    return RiskTraining(forest, forest.name, {}, notes, comparison, None, pd.DataFrame(), _counts(forest, sessions, params))


def _counts(detector: Detector, sessions: pd.DataFrame, params: RiskParams) -> dict[str, float]:
    flagged = int(np.sum(detector.score(sessions) >= params.flag_score))
    return {"sessions": float(len(sessions)), "days": float(sessions["session_date"].nunique()),
            "flagged_sessions": float(flagged), "flagged_share": flagged / len(sessions)}


def train_detectors(sessions: pd.DataFrame, params: RiskParams) -> RiskTraining:
    """Fit, judge and choose a detector on `sessions` (load_sessions' frame: is_bot NA where unlabelled)."""
    if len(sessions) < params.min_sessions:
        raise TooFewSessions(f"{len(sessions)} sessions: the risk detectors need at least {params.min_sessions}")
    labelled = sessions[sessions["is_bot"].notna()]
    if labelled.empty:
        return _unscored(sessions, params, ["no session labels: the detector is unscored"])
    first_test = split_date(sessions["session_date"], params.test_days)
    if first_test is None:
        day = pd.Timestamp(sessions["session_date"].iloc[0]).date()
        return _unscored(sessions, params, [f"one day of data ({day}): no later day to judge the detectors on, so the "
                                            "detector is unscored"])
    in_test = sessions["session_date"] >= pd.Timestamp(first_test)
    train, test = sessions[~in_test], labelled[labelled["session_date"] >= pd.Timestamp(first_test)]
    train_labelled = train[train["is_bot"].notna()]
    y_train, y_test = train_labelled["is_bot"].to_numpy(bool), test["is_bot"].to_numpy(bool)
    if y_test.all() or not y_test.any():
        return _unscored(sessions, params, [f"the {len(test)} labelled sessions from {first_test} on are all "
                                            f"{'bots' if y_test.all() else 'humans'}: the detector is unscored"])

    rules, forest = _detectors(params)
    detectors: list[Detector] = [rules, forest.fit(train)]
    notes = []
    if min(y_train.sum(), y_test.sum()) >= params.min_bots and not y_train.all():
        detectors.append(SupervisedDetector(params.rules(), params.xgb_n_estimators, params.seed).fit(train_labelled, y_train))
    else:
        notes.append(f"xgboost not trained: {y_train.sum()} labelled bots before {first_test} and {y_test.sum()} from it "
                     f"on; it needs {params.min_bots} on each side")
    k = min(params.k, len(test))
    scores = {d.name: d.score(test) for d in detectors}
    sizes = {"train_sessions": len(train), "test_sessions": len(test), "train_bots": int(y_train.sum()),
             "test_bots": int(y_test.sum())}
    comparison = pd.DataFrame([{"detector": name, **ranking_metrics(y_test, score, k), "k": k,
                                "flagged_share": float(np.mean(score >= params.flag_score)), **sizes}
                               for name, score in scores.items()])
    chosen = detectors[-1]
    by_name = comparison.set_index("detector")
    metrics = {f"test_{m}": float(by_name.loc[chosen.name, m]) for m in RANKING}
    metrics |= {f"{name}_test_{m}": float(by_name.loc[name, m]) for name in scores for m in RANKING}
    test_scores = pd.DataFrame({"session_key": test["session_key"].to_numpy(), "is_bot": y_test, **scores})
    return RiskTraining(chosen, chosen.name, metrics, notes, comparison, first_test, test_scores,
                        _counts(chosen, sessions, params))


def flag_sessions(detector: Detector, sessions: pd.DataFrame, params: RiskParams) -> pd.DataFrame:
    """FLAG_COLUMNS for every session: the detector's score, its name, the rules' reason, score >= flag_score."""
    score = detector.score(sessions)
    return pd.DataFrame({
        "session_key": sessions["session_key"].to_numpy(),
        "user_id": sessions["user_id"].to_numpy(),
        "session_date": sessions["session_date"].to_numpy(),
        "score": score,
        "detector": detector.name,
        "reason": detector.reasons(sessions),
        "flagged": score >= params.flag_score,
    })[FLAG_COLUMNS]
