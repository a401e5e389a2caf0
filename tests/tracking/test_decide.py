"""decide() is pure: gates on NaN predictions, calibration and the margin over the champion."""

import math

import pytest

from ml.promotion import decide

GOOD = {"test_roc_auc": 0.80, "test_calibration_error": 0.03, "nan_predictions": 0}


def test_no_champion_is_first_model():
    d = decide(GOOD, None)
    assert d.promote
    assert "first model" in d.reasons[0]
    assert d.challenger_score == 0.80 and d.champion_score is None


def test_worse_challenger_is_not_promoted_and_says_by_how_much():
    d = decide({**GOOD, "test_roc_auc": 0.79}, {"test_roc_auc": 0.80})
    assert not d.promote
    assert "0.7900" in d.reasons[0] and "0.8000" in d.reasons[0]
    assert "-0.0100" in d.reasons[0]  # the improvement, signed
    assert "by 0.0150" in d.reasons[0]  # how far short of the margin


def test_better_but_within_margin_is_not_promoted():
    d = decide({**GOOD, "test_roc_auc": 0.803}, {"test_roc_auc": 0.80})
    assert not d.promote
    assert "short of the margin 0.0050 by 0.0020" in d.reasons[0]


def test_better_by_the_margin_is_promoted():
    d = decide({**GOOD, "test_roc_auc": 0.805}, {"test_roc_auc": 0.80})
    assert d.promote, d.reasons
    assert d.challenger_score == 0.805 and d.champion_score == 0.80


@pytest.mark.parametrize(
    "change, words, blocks_a_first_model",
    [
        ({"nan_predictions": 3}, "3 NaN predictions", True),
        ({"test_calibration_error": 0.25}, "calibration error 0.2500 exceeds the maximum 0.1000", False),
        ({"nan_predictions": None}, "nan_predictions not reported", True),
        ({"test_calibration_error": None}, "test_calibration_error not reported", False),
        ({"test_roc_auc": math.nan}, "no test_roc_auc score", True),
    ],
)
def test_guardrails_block_even_a_much_better_challenger(change, words, blocks_a_first_model):
    """A first model is champion despite its calibration (the gate reports it): only a broken one is refused."""
    challenger = {**GOOD, "test_roc_auc": 0.95, **change}
    for champion in ({"test_roc_auc": 0.80}, None):
        d = decide(challenger, champion)
        assert d.promote == (champion is None and not blocks_a_first_model)
        assert any(words in r for r in d.reasons), d.reasons


def test_lower_is_better_metric():
    champion = {"test_wape": 0.30}
    better = {"test_wape": 0.25, "nan_predictions": 0}
    worse = {"test_wape": 0.32, "nan_predictions": 0}
    kwargs = dict(metric="test_wape", margin=0.01, max_calibration_error=None, higher_is_better=False)
    assert decide(better, champion, **kwargs).promote
    d = decide(worse, champion, **kwargs)
    assert not d.promote
    assert "lower is better" in d.reasons[0] and "-0.0200" in d.reasons[0]


def test_different_holdouts_are_not_compared():
    challenger = {**GOOD, "test_roc_auc": 0.9, "holdout_fingerprint": "a"}
    d = decide(challenger, {"test_roc_auc": 0.8, "holdout_fingerprint": "b"})
    assert not d.promote
    assert "not comparable" in d.reasons[0]
