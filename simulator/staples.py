"""Staples: a few products a user likes and rebuys on a personal cycle.

Only the choice of staples lives here; their daily purchase probability is part of the
Markov step (process.staple_buy_prob) and their sessions part of the day's events.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from simulator.config import SimConfig
from simulator.sessions import choose_products
from simulator.world import Products, Users

DRAWS_PER_STAPLE = 4  # preference draws per staple slot, enough to find distinct products


def first_distinct(picks: np.ndarray, m: int) -> np.ndarray:
    """Per row, the first `m` distinct values in order of appearance, padded with -1."""
    srt = np.argsort(picks, axis=1, kind="stable")
    vals = np.take_along_axis(picks, srt, axis=1)
    dup = np.zeros(picks.shape, dtype=bool)
    np.put_along_axis(dup, srt[:, 1:], vals[:, 1:] == vals[:, :-1], axis=1)
    keep = np.argsort(dup, axis=1, kind="stable")[:, :m]
    return np.where(np.take_along_axis(dup, keep, axis=1), -1, np.take_along_axis(picks, keep, axis=1))


def with_staples(cfg: SimConfig, products: Products, users: Users, rng: np.random.Generator) -> Users:
    """`users` where `staple_user_share` of the regular users have 1..staples_max distinct staples.

    Staples are drawn like views (popularity candidates, Gumbel-max on utility at list price),
    cycles from a gamma clipped at `staple_cycle_min_days`, and the phase uniformly: the last
    purchase before arrival lies U(0, cycle) days before it.
    """
    n, m = users.n, cfg.staples_max
    who = np.flatnonzero(~users.is_cohort & (rng.random(n) < cfg.staple_user_share))
    count = rng.integers(1, m + 1, size=len(who))
    pop_cdf = np.cumsum(products.popularity)
    pop_cdf /= pop_cdf[-1]
    picks, _ = choose_products(cfg, products, users, np.repeat(who, DRAWS_PER_STAPLE * m), pop_cdf, 0.0, rng)
    chosen = first_distinct(picks.reshape(len(who), DRAWS_PER_STAPLE * m), m)
    staples = np.full((n, m), -1, dtype=np.int64)
    staples[who] = np.where(np.arange(m) < count[:, None], chosen, -1)
    shape = cfg.staple_cycle_shape
    cycle = np.maximum(cfg.staple_cycle_min_days, rng.gamma(shape, cfg.staple_cycle_mean_days / shape, size=(n, m)))
    last0 = users.arrival_day[:, None] - rng.random((n, m)) * cycle
    has = staples >= 0
    return dataclasses.replace(users, staples=staples, staple_cycle=np.where(has, cycle, np.inf),
                               staple_last0=np.where(has, last0, 0.0))
