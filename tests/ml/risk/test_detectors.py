"""The detectors on hand-made feature rows: the rules' weights and reasons, the isolation forest's [0, 1] mapping."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.risk.detectors import IsolationDetector, RuleDetector, SupervisedDetector
from ml.risk.features import SESSION_FEATURES
from ml.risk.train import RiskParams

HUMAN = dict(events_per_minute=2.0, n_events=5, n_products=4, duration_minutes=3.0, uncarted_view_share=0.5, gap_cv=0.9,
             night_share=0.0, purchase_burst=0, paymentless_carts=0)


def _rows(*changes: dict) -> pd.DataFrame:
    return pd.DataFrame([{**HUMAN, **c} for c in changes])[list(SESSION_FEATURES)]


RULES = RiskParams().rules()


def test_rule_scores_add_weights_up_to_one():
    rows = _rows({}, {"events_per_minute": 38.0}, {"night_share": 1.0}, {"night_share": 1.0, "purchase_burst": 5},
                 {"events_per_minute": 38.0, "n_products": 60, "uncarted_view_share": 1.0})
    np.testing.assert_allclose(RuleDetector(RULES).score(rows), [0.0, 0.5, 0.25, 0.5, 1.0])


def test_reasons_name_the_rules_tripped_with_their_figures():
    rows = _rows({}, {"events_per_minute": 38.2, "n_events": 61, "n_products": 60, "uncarted_view_share": 1.0},
                 {"n_products": 16, "uncarted_view_share": 1.0}, {"paymentless_carts": 6, "gap_cv": 0.1, "n_events": 12})
    assert RuleDetector(RULES).reasons(rows) == [
        "no rule tripped",
        "38 events/min, 60 products viewed, none carted",
        "16 products viewed, none carted",
        "regular gaps (CV 0.10 over 12 events), 6 carts, no purchase",
    ]


def test_every_detector_gives_the_rules_reasons_and_refuses_nan():
    rows = _rows({"events_per_minute": 38.0})
    forest = IsolationDetector(RULES, 20, 64, 0.02, 0).fit(_rows(*[{"n_events": n} for n in range(1, 100)]))
    assert forest.reasons(rows) == ["38 events/min"] and forest.features == list(SESSION_FEATURES)
    with pytest.raises(ValueError, match="NaN"):
        forest.score(rows.assign(gap_cv=np.nan))
    with pytest.raises(ValueError, match="needs bot labels"):
        SupervisedDetector(RULES, 5, 0).fit(rows)


def test_the_isolation_score_maps_the_boundary_to_one_half_and_keeps_the_order():
    rng = np.random.default_rng(0)
    crowd = _rows(*[{"events_per_minute": v, "n_products": p} for v, p in zip(rng.gamma(4, 0.5, 2000), rng.poisson(4, 2000))])
    forest = IsolationDetector(RULES, 100, 256, 0.02, 0).fit(crowd)
    score, anomaly = forest.score(crowd), forest.anomaly(crowd)
    assert score.min() >= 0 and score.max() <= 1
    assert np.all(np.diff(score[np.argsort(anomaly)]) >= -1e-12)  # monotone in the paper's anomaly score
    assert 0.01 <= np.mean(score >= 0.5) <= 0.03  # about `contamination` of the fit sessions
    outlier = _rows({"events_per_minute": 40.0, "n_products": 80})
    assert forest.score(outlier)[0] > 0.5 > np.median(score)
