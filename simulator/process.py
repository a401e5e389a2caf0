"""The per-user daily Markov step and its exact oracle.

Order of operations inside day t, for every user that is alive and has arrived:
  1. active ~ Bernoulli(alpha_t) with alpha_t = min(cap, base_rate * weekday(t) * g(e_t))
     (a newcomer is active with certainty on its arrival day);
  2. an active user has S = 1 + Poisson(lambda_u) sessions, each purchasing with
     probability pi_t = sigmoid(intent + k * (1 - exp(-e_t)) - price_sens * log(level_t));
  3. each staple s is bought with q_s(t) = buy_max / (1 + exp(-steepness * (due - 1))),
     due = (t - last_s) / cycle_s, independently of 1-2; buying it sets last_s = t;
  4. e_{t+1} = rho * e_t + beta * [a session purchased on day t];
  5. churn ~ Bernoulli(h(e_{t+1})), h(e) = h_min + (h_max - h_min) * exp(-e / scale).
Staple purchases leave engagement alone: it stays a measure of browsing, and a staple buyer
does not become immune to churn. Given no purchase, e and the staple timers evolve
deterministically, which makes the oracle an exact recursion.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import numpy as np

from simulator.config import SimConfig
from simulator.world import Users


@dataclass
class State:
    """The dynamic per-user state at the start of a day."""

    e: np.ndarray  # engagement
    alive: np.ndarray  # bool; churned users never act again
    staple_last: np.ndarray  # (n, staples_max) day of the last purchase of each staple

    @classmethod
    def initial(cls, users: Users) -> State:
        return cls(users.e0.astype(np.float64).copy(), np.ones(users.n, dtype=bool), users.staple_last0.copy())

    def copy(self) -> State:
        return State(self.e.copy(), self.alive.copy(), self.staple_last.copy())

    def subset(self, idx: np.ndarray) -> State:
        """The states at `idx` (a copy; repeats allowed, as in Users.subset)."""
        return State(self.e[idx], self.alive[idx], self.staple_last[idx])


@dataclass
class DayDraw:
    """What the day step decided: who was active, their sessions, who purchased."""

    active: np.ndarray  # bool per user
    session_user: np.ndarray  # user index per session
    session_buys: np.ndarray  # bool per session
    purchased: np.ndarray  # bool per user: a session purchased (staples not included)
    churned: np.ndarray  # bool per user (at the end of the day)
    staple_user: np.ndarray  # one entry per staple bought, ascending by user
    staple_product: np.ndarray


def weekday_factor(cfg: SimConfig, t: int) -> float:
    return cfg.weekday_factors[(cfg.start_date + timedelta(days=int(t))).weekday()]


def price_level(cfg: SimConfig, t: int) -> float:
    return cfg.drift_price_factor if cfg.drift_on("price") and t >= cfg.drift_day else 1.0


def engagement_effect(cfg: SimConfig, e: np.ndarray) -> np.ndarray:
    return cfg.engagement_floor + (cfg.engagement_ceil - cfg.engagement_floor) * (1.0 - np.exp(-e))


def activity_prob(cfg: SimConfig, users: Users, e: np.ndarray, t: int) -> np.ndarray:
    """P(active on day t) for users who are alive and present (forced 1 on arrival day)."""
    alpha = np.minimum(cfg.activity_cap, users.base_rate * weekday_factor(cfg, t) * engagement_effect(cfg, e))
    return np.where(users.is_new & (users.arrival_day == t), 1.0, alpha)


def session_purchase_prob(cfg: SimConfig, users: Users, e: np.ndarray, t: int,
                          rows: np.ndarray | slice = slice(None)) -> np.ndarray:
    """pi_t of the users at `rows` (all by default), `e` being their engagement."""
    logit = users.intent[rows] + cfg.engagement_intent * (1.0 - np.exp(-e)) - users.price_sens[rows] * np.log(price_level(cfg, t))
    return 1.0 / (1.0 + np.exp(-logit))


def day_purchase_prob(pi: np.ndarray, extra_sessions: np.ndarray) -> np.ndarray:
    """P(>= 1 purchase | active) with 1 + Poisson(lambda) sessions: 1 - (1 - pi) exp(-lambda pi)."""
    return 1.0 - (1.0 - pi) * np.exp(-extra_sessions * pi)


def hazard(cfg: SimConfig, e: np.ndarray) -> np.ndarray:
    return cfg.hazard_min + (cfg.hazard_max - cfg.hazard_min) * np.exp(-e / cfg.hazard_scale)


def staple_buy_prob(cfg: SimConfig, staples: np.ndarray, cycle: np.ndarray, last: np.ndarray, t: int) -> np.ndarray:
    """P(buying each staple on day t) for paired (n, staples_max) arrays; 0 for empty slots."""
    due = (t - last) / cycle
    q = cfg.staple_buy_max / (1.0 + np.exp(-cfg.staple_steepness * (due - 1.0)))
    return np.where(staples >= 0, q, 0.0)


def _staple_quiet(cfg: SimConfig, users: Users, last: np.ndarray, rows: np.ndarray, t: int) -> np.ndarray:
    """P(no staple bought on day t) per user, given the last purchases; `rows` = users with staples."""
    quiet = np.ones(users.n)
    q = staple_buy_prob(cfg, users.staples[rows], users.staple_cycle[rows], last[rows], t)
    quiet[rows] = np.prod(1.0 - q, axis=1)
    return quiet


def _buy_staples(cfg: SimConfig, users: Users, state: State, eligible: np.ndarray, t: int,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The day's staple purchases (user, product) of eligible users; resets their timers."""
    rows = np.flatnonzero(eligible & users.has_staples)
    q = staple_buy_prob(cfg, users.staples[rows], users.staple_cycle[rows], state.staple_last[rows], t)
    r, s = np.nonzero(rng.random(q.shape) < q)
    user = rows[r]
    state.staple_last[user, s] = t
    return user, users.staples[user, s]


def step_day(cfg: SimConfig, users: Users, state: State, t: int, rng: np.random.Generator) -> DayDraw:
    """Advance `state` in place by day t and return the day's decisions."""
    eligible = state.alive & (users.arrival_day <= t)
    alpha = activity_prob(cfg, users, state.e, t)
    active = eligible & (rng.random(users.n) < alpha)
    act_idx = np.flatnonzero(active)
    n_sess = 1 + rng.poisson(users.extra_sessions[act_idx])
    session_user = np.repeat(act_idx, n_sess)
    pi = session_purchase_prob(cfg, users, state.e[act_idx], t, act_idx)
    session_buys = rng.random(len(session_user)) < np.repeat(pi, n_sess)
    purchased = np.zeros(users.n, dtype=bool)
    purchased[session_user[session_buys]] = True
    state.e = np.where(eligible, cfg.rho * state.e + cfg.beta * purchased, state.e)
    churned = eligible & (rng.random(users.n) < hazard(cfg, state.e))
    state.alive &= ~churned
    # drawn last so that without staples the day's draws are those of a shop without them
    staple_user, staple_product = _buy_staples(cfg, users, state, eligible, t, rng)
    return DayDraw(active, session_user, session_buys, purchased, churned, staple_user, staple_product)


def quiet_prob(cfg: SimConfig, users: Users, e: np.ndarray, staple_last: np.ndarray, t: int, purchases: bool,
               staple_rows: np.ndarray) -> np.ndarray:
    """P(no purchase / no event on day t) of alive, present users with engagement `e` and the staple
    timers `staple_last` (`staple_rows`: the users with staples)."""
    x = activity_prob(cfg, users, e, t)
    if purchases:
        x = x * day_purchase_prob(session_purchase_prob(cfg, users, e, t), users.extra_sessions)
    return (1.0 - x) * _staple_quiet(cfg, users, staple_last, staple_rows, t)


def _no_x_probability(cfg: SimConfig, users: Users, state: State, t0: int, horizon: int, purchases: bool) -> np.ndarray:
    """P(no purchase / no activity in days [t0, t0 + horizon)) by exact forward recursion.

    s_d = P(alive at the start of day d with nothing so far); on a quiet day e moves
    deterministically to rho * e, the staple timers keep their last purchase, then the user
    churns with h(rho * e). With x_d = P(active) or P(a session purchase) on quiet day d and
    quiet_d = (1 - x_d) prod_s (1 - q_s(d)) (a staple purchase is an event and a purchase):
    P(nothing) = sum_d s_d quiet_d h_d + s_H, s_{d+1} = s_d quiet_d (1 - h_d).
    """
    s = state.alive.astype(np.float64)
    acc = np.zeros(users.n)
    e = state.e.copy()
    staple_rows = np.flatnonzero(users.has_staples)
    for d in range(horizon):
        t = t0 + d
        present = users.arrival_day <= t
        quiet = np.where(present, quiet_prob(cfg, users, e, state.staple_last, t, purchases, staple_rows), 1.0)
        e = np.where(present, cfg.rho * e, e)
        h = np.where(present, hazard(cfg, e), 0.0)
        acc += s * quiet * h
        s = s * quiet * (1.0 - h)
    return np.where(state.alive, acc + s, 1.0)


def p_purchase(cfg: SimConfig, users: Users, state: State, t0: int, horizon: int = 7) -> np.ndarray:
    """Exact P(at least one purchase in days [t0, t0 + horizon)) from the state at t0."""
    return 1.0 - _no_x_probability(cfg, users, state, t0, horizon, purchases=True)


def p_no_event(cfg: SimConfig, users: Users, state: State, t0: int, horizon: int = 30) -> np.ndarray:
    """Exact P(no event at all in days [t0, t0 + horizon)); 1 for churned users."""
    return _no_x_probability(cfg, users, state, t0, horizon, purchases=False)
