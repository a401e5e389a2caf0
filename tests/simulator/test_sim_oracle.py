"""The exact oracle recursion against Monte Carlo of the very same day step."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from simulator import SimConfig, futures, process
from simulator.staples import first_distinct, with_staples
from simulator.world import make_products, make_users

# price drift on day 12 falls inside the 7-day window that starts on day 10; many staple users
CFG = SimConfig(users=600, days=45, seed=3, drift_day=12, drift_kinds=("price", "cohort"), staple_user_share=0.5)
T0 = 10


@pytest.fixture(scope="module")
def world():
    rng = np.random.Generator(np.random.PCG64(99))
    products = make_products(CFG, rng)
    return products, with_staples(CFG, products, make_users(CFG, rng), rng)


@pytest.fixture(scope="module")
def cutoff_state(world):
    _, users = world
    rng = np.random.Generator(np.random.PCG64(98))
    state = process.State.initial(users)
    for t in range(T0):
        process.step_day(CFG, users, state, t, rng)
    # a mix: engaged and fresh users, staple users, dead ones, and some arriving inside the window
    present = np.flatnonzero((users.arrival_day < T0) & state.alive)
    by_e = present[np.argsort(state.e[present], kind="stable")]
    arriving = np.flatnonzero((users.arrival_day >= T0) & (users.arrival_day < T0 + 5))
    pick = np.concatenate([by_e[:10], by_e[-15:], np.flatnonzero(~state.alive)[:3], arriving[:4],
                           np.flatnonzero(users.has_staples[present])[:8], arriving[users.has_staples[arriving]][:3]])
    assert state.e[pick].max() > 0.5 and users.has_staples[pick].sum() >= 15
    return users.subset(pick), state.subset(pick)


def _monte_carlo(users, state, horizon: int, reps: int, what: str) -> np.ndarray:
    idx = np.repeat(np.arange(users.n), reps)
    big, st = users.subset(idx), state.subset(idx)
    rng = np.random.Generator(np.random.PCG64(2024))
    hit = np.zeros(len(idx), dtype=bool)
    for d in range(horizon):
        draw = process.step_day(CFG, big, st, T0 + d, rng)
        hit |= draw.purchased if what == "purchase" else draw.active
        hit[draw.staple_user] = True  # a staple purchase is a purchase and an event
    return hit.reshape(users.n, reps).mean(axis=1)


def _check(exact: np.ndarray, mc: np.ndarray, reps: int) -> None:
    se = np.sqrt(np.maximum(exact * (1 - exact), 1e-12) / reps)
    z = (mc - exact) / se
    assert np.all(np.abs(z) < 4.5), z
    # pooled over users the deviation is also small (within 3 standard errors)
    assert abs((mc - exact).sum()) < 3 * np.sqrt((se**2).sum())


def test_p_purchase_7d_matches_monte_carlo(cutoff_state):
    users, state = cutoff_state
    exact = process.p_purchase(CFG, users, state, T0, 7)
    assert exact.max() > 0.2 and (exact[~state.alive] == 0).all()
    reps = 6000
    _check(exact, _monte_carlo(users, state, 7, reps, "purchase"), reps)


def test_p_no_event_30d_matches_monte_carlo(cutoff_state):
    users, state = cutoff_state
    exact = process.p_no_event(CFG, users, state, T0, 30)
    assert (exact[~state.alive] == 1).all()
    reps = 3000
    _check(exact, 1.0 - _monte_carlo(users, state, 30, reps, "event"), reps)


def test_item_futures_reproduce_exact_p_purchase(world, cutoff_state):
    products, _ = world
    users, state = cutoff_state
    reps = 3000
    cdf = np.cumsum(products.popularity) / products.popularity.sum()
    rng = np.random.Generator(np.random.PCG64(5))
    truth = futures.item_truth(dataclasses.replace(CFG, oracle_futures=reps), products, users, state, T0, [cdf] * 7, rng)
    exact = process.p_purchase(CFG, users, state, T0, 7)
    present = users.arrival_day < T0  # the item truth is only asked about present users
    _check(exact[present], truth.p_any[present], reps)
    assert abs((truth.p_any - exact)[present].mean()) < 0.01
    assert np.corrcoef(truth.p_any[present], exact[present])[0, 1] > 0.95
    # P(buy some product) is at most P(any purchase) and sums of P(buy) are at least it
    p_max = np.zeros(users.n)
    np.maximum.at(p_max, truth.user, truth.p_buy)
    assert (p_max <= truth.p_any + 1e-12).all()
    assert (np.bincount(truth.user, truth.p_buy, minlength=users.n) >= truth.p_any - 1e-12).all()


def test_expected_purchase_days_match_counted_futures(cutoff_state):
    users, state = cutoff_state
    horizon, reps = 14, 4000
    rng = np.random.Generator(np.random.PCG64(7))
    expected = futures.expected_purchase_days(dataclasses.replace(CFG, oracle_purchase_futures=200), users, state, T0,
                                              horizon, rng)
    assert (expected[~state.alive] == 0).all() and expected.max() > 1.0
    # plain Monte Carlo: count the days each future purchases on (a staple purchase is a purchase)
    idx = np.repeat(np.arange(users.n), reps)
    big, st = users.subset(idx), state.subset(idx)
    counted = np.zeros(len(idx))
    draws = np.random.Generator(np.random.PCG64(8))
    for d in range(horizon):
        draw = process.step_day(CFG, big, st, T0 + d, draws)
        bought = draw.purchased.copy()
        bought[draw.staple_user] = True
        counted += bought
    per_user = counted.reshape(users.n, reps)
    # both estimates are means of futures; the counted days vary at least as a Poisson count would
    se = np.sqrt((per_user.var(axis=1) + expected) * (1 / reps + 1 / 200))
    assert np.all(np.abs(per_user.mean(axis=1) - expected) <= 4.5 * se)
    assert np.corrcoef(per_user.mean(axis=1), expected)[0, 1] > 0.99


def test_first_distinct_and_staple_assignment(world):
    picks = np.array([[3, 3, 5, 3, 7], [1, 1, 1, 1, 1]])
    assert first_distinct(picks, 3).tolist() == [[3, 5, 7], [1, -1, -1]]
    _, users = world
    st = users.staples
    count = (st >= 0).sum(axis=1)
    assert ((st >= 0) == (np.arange(CFG.staples_max) < count[:, None])).all()  # filled from the left
    assert not users.has_staples[users.is_cohort].any() and 0.4 < users.has_staples[~users.is_cohort].mean() < 0.6
    assert all(len(set(row[row >= 0])) == (row >= 0).sum() for row in st)
    assert (users.staple_cycle[st >= 0] >= CFG.staple_cycle_min_days).all()
    phase = users.arrival_day[:, None] - users.staple_last0
    assert ((phase >= 0) & (phase <= users.staple_cycle))[st >= 0].all()


def test_closed_form_day_purchase_probability():
    rng = np.random.Generator(np.random.PCG64(1))
    pi, lam = 0.07, 0.8
    s = 1 + rng.poisson(lam, size=400_000)
    bought = rng.binomial(s, pi) > 0
    exact = process.day_purchase_prob(np.array(pi), np.array(lam))
    assert abs(bought.mean() - exact) < 4 * np.sqrt(exact * (1 - exact) / len(s))
