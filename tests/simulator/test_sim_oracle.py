"""The exact oracle recursion against Monte Carlo of the very same day step."""

from __future__ import annotations

import numpy as np
import pytest

from simulator import SimConfig, process
from simulator.world import make_products, make_users

# price drift on day 12 falls inside the 7-day window that starts on day 10
CFG = SimConfig(users=600, days=45, seed=3, drift_day=12, drift_kinds=("price", "cohort"))
T0 = 10


@pytest.fixture(scope="module")
def cutoff_state():
    rng = np.random.Generator(np.random.PCG64(99))
    make_products(CFG, rng)
    users = make_users(CFG, rng)
    state = process.State.initial(users)
    for t in range(T0):
        process.step_day(CFG, users, state, t, rng)
    # a mix: engaged and fresh users, dead ones, and some arriving inside the window
    present = np.flatnonzero((users.arrival_day < T0) & state.alive)
    by_e = present[np.argsort(state.e[present], kind="stable")]
    pick = np.concatenate([by_e[:10], by_e[-15:], np.flatnonzero(~state.alive)[:3],
                           np.flatnonzero((users.arrival_day >= T0) & (users.arrival_day < T0 + 5))[:4]])
    assert state.e[pick].max() > 0.5
    return users.subset(pick), process.State(state.e[pick], state.alive[pick])


def _monte_carlo(users, state, horizon: int, reps: int, what: str) -> np.ndarray:
    idx = np.repeat(np.arange(users.n), reps)
    big, st = users.subset(idx), process.State(state.e[idx].copy(), state.alive[idx].copy())
    rng = np.random.Generator(np.random.PCG64(2024))
    hit = np.zeros(len(idx), dtype=bool)
    for d in range(horizon):
        draw = process.step_day(CFG, big, st, T0 + d, rng)
        hit |= draw.purchased if what == "purchase" else draw.active
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


def test_closed_form_day_purchase_probability():
    rng = np.random.Generator(np.random.PCG64(1))
    pi, lam = 0.07, 0.8
    s = 1 + rng.poisson(lam, size=400_000)
    bought = rng.binomial(s, pi) > 0
    exact = process.day_purchase_prob(np.array(pi), np.array(lam))
    assert abs(bought.mean() - exact) < 4 * np.sqrt(exact * (1 - exact) / len(s))
