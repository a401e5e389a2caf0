"""BG/NBD and Gamma-Gamma on the CDNOW sample the papers fit (as shipped by `lifetimes`), against the
published estimates and against lifetimes' own fitters."""

from __future__ import annotations

import math

import numpy as np
import pytest
from lifetimes import BetaGeoFitter, GammaGammaFitter
from lifetimes.datasets import load_cdnow_summary, load_cdnow_summary_data_with_monetary_value

from ml.clv.btyd import BetaGeo, GammaGamma

WEEKS = 39  # the papers' calibration period and the horizon of the conditional expectations below
PUBLISHED_BGNBD = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}  # Fader, Hardie & Lee (2005), table 1
PUBLISHED_BGNBD_LL = -9582.4
PUBLISHED_GG = {"p": 6.25, "q": 3.74, "gamma": 15.44}  # Fader & Hardie (2013), the Gamma-Gamma note


def _two_digits(value: float) -> float:
    return round(value, 1 - math.floor(math.log10(abs(value))))


@pytest.fixture(scope="module")
def cdnow():
    return load_cdnow_summary(index_col=[0])


@pytest.fixture(scope="module")
def repeaters():
    spend = load_cdnow_summary_data_with_monetary_value()
    return spend[spend["frequency"] > 0]


@pytest.fixture(scope="module")
def fitted(cdnow):
    return BetaGeo.fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])


@pytest.fixture(scope="module")
def fitted_spend(repeaters):
    return GammaGamma.fit(repeaters["frequency"], repeaters["monetary_value"])


@pytest.fixture(scope="module")
def theirs(cdnow):
    return BetaGeoFitter().fit(cdnow["frequency"], cdnow["recency"], cdnow["T"])


def test_cdnow_bgnbd_reproduces_published_estimates(cdnow, fitted):
    assert len(cdnow) == 2357 and cdnow["T"].max() == pytest.approx(WEEKS, abs=0.2)
    ours = {"r": fitted.r, "alpha": fitted.alpha, "a": fitted.a, "b": fitted.b}
    assert {k: _two_digits(v) for k, v in ours.items()} == {k: _two_digits(v) for k, v in PUBLISHED_BGNBD.items()}
    total = BetaGeo.log_likelihood(np.array(list(ours.values())), cdnow["frequency"], cdnow["recency"], cdnow["T"]).sum()
    assert total == pytest.approx(PUBLISHED_BGNBD_LL, abs=0.1)


def test_cdnow_gamma_gamma_reproduces_published_estimates(repeaters, fitted_spend):
    assert len(repeaters) == 946
    ours = {"p": fitted_spend.p, "q": fitted_spend.q, "gamma": fitted_spend.gamma}
    assert {k: _two_digits(v) for k, v in ours.items()} == {k: _two_digits(v) for k, v in PUBLISHED_GG.items()}


@pytest.mark.parametrize("factor", [0.9, 1.1])
def test_cdnow_fitted_parameters_beat_perturbed_ones(cdnow, repeaters, fitted, fitted_spend, factor):
    x, t_x, T = cdnow["frequency"], cdnow["recency"], cdnow["T"]
    best = np.array([fitted.r, fitted.alpha, fitted.a, fitted.b])
    for i in range(4):
        worse = best.copy()
        worse[i] *= factor
        assert BetaGeo.log_likelihood(best, x, t_x, T).sum() > BetaGeo.log_likelihood(worse, x, t_x, T).sum()
    x, m = repeaters["frequency"], repeaters["monetary_value"]
    best = np.array([fitted_spend.p, fitted_spend.q, fitted_spend.gamma])
    for i in range(3):
        worse = best.copy()
        worse[i] *= factor
        assert GammaGamma.log_likelihood(best, x, m).sum() > GammaGamma.log_likelihood(worse, x, m).sum()


def test_cdnow_predictions_agree_with_lifetimes(cdnow, repeaters, fitted, fitted_spend, theirs):
    x, t_x, T = cdnow["frequency"], cdnow["recency"], cdnow["T"]
    np.testing.assert_allclose(fitted.expected_purchases(WEEKS, x, t_x, T),
                               theirs.conditional_expected_number_of_purchases_up_to_time(WEEKS, x, t_x, T), rtol=1e-3)
    np.testing.assert_allclose(fitted.p_alive(x, t_x, T), theirs.conditional_probability_alive(x, t_x, T), rtol=1e-3)
    for weeks in (1, WEEKS, 78):
        assert fitted.expected_purchases_new(weeks) == pytest.approx(theirs.expected_number_of_purchases_up_to_time(weeks), rel=1e-3)

    spend_theirs = GammaGammaFitter().fit(repeaters["frequency"], repeaters["monetary_value"])
    np.testing.assert_allclose(
        fitted_spend.expected_value(repeaters["frequency"], repeaters["monetary_value"]),
        spend_theirs.conditional_expected_average_profit(repeaters["frequency"], repeaters["monetary_value"]), rtol=1e-3)


def test_cdnow_formulas_match_lifetimes_at_the_same_parameters(cdnow, theirs):
    """With lifetimes' parameters plugged in, the closed forms agree to rounding (a failure above is then the fit's)."""
    x, t_x, T = cdnow["frequency"], cdnow["recency"], cdnow["T"]
    ours = BetaGeo(*theirs.params_[["r", "alpha", "a", "b"]])
    np.testing.assert_allclose(ours.expected_purchases(WEEKS, x, t_x, T),
                               theirs.conditional_expected_number_of_purchases_up_to_time(WEEKS, x, t_x, T), rtol=1e-9)
    np.testing.assert_allclose(ours.p_alive(x, t_x, T), theirs.conditional_probability_alive(x, t_x, T), rtol=1e-9)
