"""Ground truth from Monte Carlo futures: P(a user buys a product in the next days), and the
expected number of days on which a user purchases in the next weeks.

Every alive user is replicated `oracle_futures` times and each replica lives the next days
through the simulation's own day step (process.step_day) and the product choice of its
buying sessions (sessions.human_sessions), with its own random stream. Staples enter by
their conditional probability given the replica's life instead of by its draws: staple
purchases do not feed back into engagement or churn, so given that a replica is alive on
the first L days, P(staple s not bought) = prod_{d < L} (1 - q_s(d)) with the cutoff's timer.
That expectation (Rao-Blackwell) is unbiased and much less noisy than counting draws.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator import process
from simulator.config import SimConfig
from simulator.sessions import PURCHASE, human_sessions
from simulator.world import Products, Users

REPLICAS_PER_CHUNK = 1 << 17  # bounds memory: replicas of one chunk of users live together
PURCHASE_DAYS_HORIZON = 28  # days after a cutoff that expected_purchase_days_28d counts


@dataclass
class ItemTruth:
    """Sparse P(buy) per (user, product) with p > 0, and P(any purchase) per user."""

    user: np.ndarray  # index into the users given
    product: np.ndarray
    p_buy: np.ndarray
    p_any: np.ndarray  # per user given


def item_truth(cfg: SimConfig, products: Products, users: Users, state: process.State, t0: int,
               pop_cdfs: list[np.ndarray], rng: np.random.Generator) -> ItemTruth:
    """Estimates over days [t0, t0 + len(pop_cdfs)) from `state` at the start of t0.

    `pop_cdfs` holds each day's popularity CDF; all `users` must have arrived by t0.
    """
    alive = np.flatnonzero(state.alive)
    step = max(1, REPLICAS_PER_CHUNK // cfg.oracle_futures)
    parts = [_chunk(cfg, products, users, state, alive[a:a + step], t0, pop_cdfs, rng)
             for a in range(0, len(alive), step)]
    if not parts:
        return ItemTruth(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0), np.zeros(users.n))
    user, product, p, p_any_alive = (np.concatenate(c) for c in zip(*parts))
    p_any = np.zeros(users.n)
    p_any[alive] = p_any_alive
    return ItemTruth(user, product, p, p_any)


def _chunk(cfg: SimConfig, products: Products, users: Users, state: process.State, u: np.ndarray, t0: int,
           pop_cdfs: list[np.ndarray], rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """(user, product, p_buy) with p > 0 and p_any per user of `u`, from their futures."""
    f, n_p = cfg.oracle_futures, products.n
    rep = np.repeat(u, f)
    us, st = users.subset(rep), state.subset(rep)
    lived = np.zeros(len(rep), dtype=np.int64)  # days alive at the start, in the window
    hits = []
    for d, cdf in enumerate(pop_cdfs):
        t = t0 + d
        lived += st.alive
        draw = process.step_day(cfg, us, st, t, rng)
        buyers = draw.session_user[draw.session_buys]
        _, sess, etype, prod, *_ = human_sessions(cfg, products, us, buyers, np.ones(len(buyers), dtype=bool),
                                                  cdf, process.price_level(cfg, t), rng)
        bought = etype == PURCHASE
        hits.append(buyers[sess[bought]] * n_p + prod[bought])
    r, prod = np.divmod(np.unique(np.concatenate(hits)), n_p)  # distinct (replica, product)
    miss = _staple_miss(cfg, users, state, u, t0, len(pop_cdfs))[np.repeat(np.arange(len(u)), f), :, lived]
    # a regular hit of a staple counts as bought whether or not the staple process buys it too
    w_hit = np.where(users.staples[rep[r]] == prod[:, None], miss[r], 1.0).prod(axis=1)
    w_staple = (1.0 - miss).reshape(len(u), f, -1).sum(axis=1)
    has = users.staples[u] >= 0
    keys = np.concatenate([rep[r] * n_p + prod, (u[:, None] * n_p + users.staples[u])[has]])
    pair, inv = np.unique(keys, return_inverse=True)
    p = np.bincount(inv, np.concatenate([w_hit, w_staple[has]]), minlength=len(pair)) / f
    bought_any = np.zeros(len(rep), dtype=bool)
    bought_any[r] = True
    p_none = np.where(bought_any, 0.0, miss.prod(axis=1))
    pos = p > 0
    return pair[pos] // n_p, pair[pos] % n_p, p[pos], 1.0 - p_none.reshape(len(u), f).mean(axis=1)


def _staple_miss(cfg: SimConfig, users: Users, state: process.State, u: np.ndarray, t0: int, horizon: int) -> np.ndarray:
    """(len(u), staples_max, horizon + 1): P(staple not bought on the first L days | alive), L = 0..horizon."""
    q = np.stack([process.staple_buy_prob(cfg, users.staples[u], users.staple_cycle[u], state.staple_last[u], t0 + d)
                  for d in range(horizon)], axis=-1)
    return np.concatenate([np.ones(q.shape[:2] + (1,)), np.cumprod(1.0 - q, axis=-1)], axis=-1)


def expected_purchase_days(cfg: SimConfig, users: Users, state: process.State, t0: int, horizon: int,
                           rng: np.random.Generator) -> np.ndarray:
    """E[days with a purchase in [t0, t0 + horizon)] per user from `state` at the start of t0.

    Each alive user lives `oracle_purchase_futures` futures through process.step_day. A future adds,
    for every day, P(a purchase that day | its state at the start of the day) (process.quiet_prob)
    rather than whether it drew one: the same expectation, with far less noise (Rao-Blackwell).
    """
    f = cfg.oracle_purchase_futures
    out = np.zeros(users.n)
    alive = np.flatnonzero(state.alive)
    step = max(1, REPLICAS_PER_CHUNK // f)
    for a in range(0, len(alive), step):
        u = alive[a:a + step]
        rep = np.repeat(u, f)
        us, st = users.subset(rep), state.subset(rep)
        staple_rows = np.flatnonzero(us.has_staples)
        days = np.zeros(len(rep))
        for t in range(t0, t0 + horizon):
            present = st.alive & (us.arrival_day <= t)
            days += np.where(present, 1.0 - process.quiet_prob(cfg, us, st.e, st.staple_last, t, True, staple_rows), 0.0)
            process.step_day(cfg, us, st, t, rng)
        out[u] = days.reshape(len(u), f).mean(axis=1)
    return out


def top_products(user: np.ndarray, product: np.ndarray, p: np.ndarray, score: np.ndarray,
                 k: int) -> tuple[np.ndarray, np.ndarray]:
    """Row indices of the top `k` per user (by p, then score, then product) and their ranks from 1."""
    order = np.lexsort((product, -score, -p, user))
    u = user[order]
    rank = np.arange(len(u)) - np.searchsorted(u, u) + 1
    keep = rank <= k
    return order[keep], rank[keep]
