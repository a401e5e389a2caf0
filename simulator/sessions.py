"""Turning a day's decisions into events: human sessions, staple sessions and bot sessions.

Everything is vectorised over the day's sessions; times are seconds within the day until
`DayEvents` holds them as integer milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from simulator.config import SimConfig
from simulator.world import Products, Users

VIEW, CART, REMOVE, PURCHASE = 0, 1, 2, 3
DAY_S = 86_400.0
# share of human sessions starting in each hour (evening peak, quiet nights)
HOUR_WEIGHTS = np.array([1.2, 0.8, 0.5, 0.4, 0.4, 0.6, 1.2, 2.2, 3.2, 3.8, 4.2, 4.5,
                         4.8, 4.6, 4.4, 4.4, 4.6, 5.0, 5.8, 6.6, 7.0, 6.2, 4.4, 2.4])
HOUR_CDF = np.cumsum(HOUR_WEIGHTS) / HOUR_WEIGHTS.sum()
CHUNK = 65_536


@dataclass
class DayEvents:
    """One day's events (unsorted) plus one row per session; keys are local to the day."""

    time_ms: np.ndarray  # int64 ms since midnight
    session: np.ndarray  # local session key
    etype: np.ndarray  # int8 VIEW/CART/REMOVE/PURCHASE
    product: np.ndarray
    quantity: np.ndarray  # int32
    order: np.ndarray  # local order key, -1 if not a purchase
    sess_actor: np.ndarray  # per session: index into the id table (humans, then bots)
    sess_start_ms: np.ndarray
    sess_is_bot: np.ndarray
    sess_card_testing: np.ndarray


def _concat(*parts: tuple) -> list[np.ndarray]:
    return [np.concatenate(cols) for cols in zip(*parts)]


def inverse_cdf(cdf: np.ndarray, u: np.ndarray) -> np.ndarray:
    """min(searchsorted(cdf, u, side="right"), len(cdf) - 1) for u in [0, 1), through a guide table.

    The table holds the answer at each multiple of 1/g; from there a step or two finish the
    search exactly, several times faster than a binary search on random keys.
    """
    last, g = len(cdf) - 1, 1 << (4 * len(cdf)).bit_length()  # a power of two: u * g is exact
    idx = np.minimum(np.searchsorted(cdf, np.arange(g) / g, side="right"), last)[(u * g).astype(np.int64)]
    idx += (idx < last) & (cdf[idx] <= u)  # settles about 90 % of the keys
    flat_idx, flat_u = idx.reshape(-1), u.reshape(-1)
    todo = np.flatnonzero((flat_idx < last) & (cdf[flat_idx] <= flat_u))
    while todo.size:
        flat_idx[todo] += 1
        todo = todo[(flat_idx[todo] < last) & (cdf[flat_idx[todo]] <= flat_u[todo])]
    return idx


def choose_products(cfg: SimConfig, products: Products, users: Users, view_user: np.ndarray,
                     pop_cdf: np.ndarray, log_level: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Per view: K candidates drawn by popularity, the one with the highest Gumbel-perturbed utility."""
    nv, k = len(view_user), cfg.candidates_per_view
    cand = inverse_cdf(pop_cdf, rng.random((nv, k)))
    noise = -np.log(-np.log(1.0 - rng.random((nv, k))))  # rng.gumbel's, bar its redraw of an exact 0, with a faster log
    chosen = np.empty(nv, dtype=np.int64)
    best_u = np.empty(nv)
    log_price = np.log(products.price)
    for a in range(0, nv, CHUNK):
        b = min(a + CHUNK, nv)
        c, u = cand[a:b], view_user[a:b]
        util = np.einsum("nd,nkd->nk", users.taste[u], products.latent[c])
        util -= users.price_sens[u, None] * (log_price[c] + log_level)
        util += noise[a:b]
        arg = util.argmax(axis=1)
        rows = np.arange(b - a)
        chosen[a:b], best_u[a:b] = c[rows, arg], util[rows, arg]
    return chosen, best_u


def human_sessions(cfg: SimConfig, products: Products, users: Users, session_user: np.ndarray,
                   session_buys: np.ndarray, pop_cdf: np.ndarray, level: float,
                   rng: np.random.Generator) -> tuple:
    """Views by preference x popularity; buyers cart and buy their best 1-2 views; others may abandon."""
    s = len(session_user)
    n_views = rng.geometric(cfg.views_geometric_p, size=s)
    starts = np.cumsum(n_views) - n_views
    vs = np.repeat(np.arange(s), n_views)
    vp, vu = choose_products(cfg, products, users, session_user[vs], pop_cdf, np.log(level), rng)
    cs = np.cumsum(rng.exponential(40.0, size=len(vs)) + 1.0)
    v_off = cs - cs[starts][vs]

    order = np.lexsort((-vu, vs))
    top = order[starts]
    second = order[np.minimum(starts + 1, len(vs) - 1)]
    u_two, u_cart, u_rem = rng.random(s), rng.random(s), rng.random(s)
    g_cart1, g_cart2 = rng.uniform(2, 60, s), rng.uniform(2, 60, s)
    g_buy, g_rem = rng.exponential(60, s) + 5, rng.exponential(60, s) + 2
    qty = 1 + (rng.random((s, 2)) < cfg.quantity_two_prob)

    buys = session_buys
    two = buys & (n_views >= 2) & (u_two < cfg.two_items_prob) & (vp[second] != vp[top])
    cart1 = buys | (u_cart < cfg.cart_prob_no_purchase)
    remove = cart1 & ~buys & (u_rem < cfg.remove_prob)
    t_cart1 = v_off[top] + g_cart1
    t_cart2 = v_off[second] + g_cart2
    end = v_off[starts + n_views - 1]
    end = np.where(cart1, np.maximum(end, t_cart1), end)
    end = np.where(two, np.maximum(end, t_cart2), end)
    t_buy = end + g_buy
    t_rem = t_cart1 + g_rem
    span = np.where(buys, t_buy, np.where(remove, t_rem, end))

    hour = np.searchsorted(HOUR_CDF, rng.random(s), side="right")
    start = np.minimum((hour + rng.random(s)) * 3600.0, DAY_S - 1.0 - span)

    sid = np.arange(s)
    c1, c2, rm, b = np.flatnonzero(cart1), np.flatnonzero(two), np.flatnonzero(remove), np.flatnonzero(buys)
    b2 = c2
    none = lambda n: np.full(n, -1, dtype=np.int64)  # noqa: E731
    one = lambda n: np.ones(n, dtype=np.int32)  # noqa: E731
    parts = [
        (v_off + start[vs], vs, np.full(len(vs), VIEW), vp, one(len(vs)), none(len(vs))),
        (t_cart1[c1] + start[c1], c1, np.full(len(c1), CART), vp[top[c1]], one(len(c1)), none(len(c1))),
        (t_cart2[c2] + start[c2], c2, np.full(len(c2), CART), vp[second[c2]], one(len(c2)), none(len(c2))),
        (t_rem[rm] + start[rm], rm, np.full(len(rm), REMOVE), vp[top[rm]], one(len(rm)), none(len(rm))),
        (t_buy[b] + start[b], b, np.full(len(b), PURCHASE), vp[top[b]], qty[b, 0].astype(np.int32), b),
        (t_buy[b2] + start[b2], b2, np.full(len(b2), PURCHASE), vp[second[b2]], qty[b2, 1].astype(np.int32), b2),
    ]
    time_s, sess, etype, prod, q, order_key = _concat(*parts)
    return time_s, sess, etype, prod, q, order_key, start, sid


def bot_sessions(n: int, n_products: int, cheapest: np.ndarray, rng: np.random.Generator) -> tuple:
    """Bursts of 20-100 uniform views; 10 % end in 1-3 card-testing purchases of cheap items."""
    n_views = rng.integers(20, 101, size=n)
    starts = np.cumsum(n_views) - n_views
    vs = np.repeat(np.arange(n), n_views)
    cs = np.cumsum(rng.exponential(1.5, size=len(vs)) + 0.2)
    v_off = cs - cs[starts][vs]
    vp = rng.integers(0, n_products, size=len(vs))
    card = rng.random(n) < 0.1
    n_buy = np.where(card, rng.integers(1, 4, size=n), 0)
    bs = np.repeat(np.arange(n), n_buy)
    k = np.arange(len(bs)) - (np.cumsum(n_buy) - n_buy)[bs]
    b_off = v_off[starts + n_views - 1][bs] + 3.0 * (k + 1)
    bp = cheapest[rng.integers(0, len(cheapest), size=len(bs))]
    span = np.maximum(v_off[starts + n_views - 1], 3.0 * n_buy + v_off[starts + n_views - 1])
    start = rng.random(n) * (DAY_S - 1.0 - span)
    order_key = np.arange(len(bs))
    time_s = np.concatenate([v_off + start[vs], b_off + start[bs]])
    sess = np.concatenate([vs, bs])
    etype = np.concatenate([np.full(len(vs), VIEW), np.full(len(bs), PURCHASE)])
    prod = np.concatenate([vp, bp])
    q = np.ones(len(time_s), dtype=np.int32)
    okey = np.concatenate([np.full(len(vs), -1), order_key])
    return time_s, sess, etype, prod, q, okey, start, card


def staple_sessions(cfg: SimConfig, staple_user: np.ndarray, staple_product: np.ndarray,
                    rng: np.random.Generator) -> tuple:
    """One session per user who buys staples today: view and cart each, then one order of all."""
    by_user = np.argsort(staple_user, kind="stable")
    user, prod = staple_user[by_user], staple_product[by_user]
    sess_user, first, count = np.unique(user, return_index=True, return_counts=True)
    s, n = len(sess_user), len(user)
    ss = np.repeat(np.arange(s), count)
    cs = np.cumsum(rng.exponential(40.0, size=n) + 1.0)
    v_off = cs - cs[first][ss]
    t_cart = v_off + rng.uniform(2, 60, n)
    t_buy = (np.maximum.reduceat(t_cart, first) if n else t_cart) + rng.exponential(60, s) + 5
    hour = np.searchsorted(HOUR_CDF, rng.random(s), side="right")
    start = np.minimum((hour + rng.random(s)) * 3600.0, DAY_S - 1.0 - t_buy)
    qty = (1 + (rng.random(n) < cfg.quantity_two_prob)).astype(np.int32)
    time_s = np.concatenate([v_off + start[ss], t_cart + start[ss], t_buy[ss] + start[ss]])
    etype = np.repeat([VIEW, CART, PURCHASE], n)
    okey = np.concatenate([np.full(2 * n, -1, dtype=np.int64), ss])
    q = np.concatenate([np.ones(2 * n, dtype=np.int32), qty])
    return time_s, np.tile(ss, 3), etype, np.tile(prod, 3), q, okey, start, sess_user


def day_events(cfg: SimConfig, products: Products, users: Users, session_user: np.ndarray,
               session_buys: np.ndarray, staple_user: np.ndarray, staple_product: np.ndarray,
               pop_cdf: np.ndarray, level: float, n_bot_ids: int, cheapest: np.ndarray,
               rng: np.random.Generator) -> DayEvents:
    """All events of one day: human and staple sessions plus about `bot_share` of sessions from bots."""
    h = human_sessions(cfg, products, users, session_user, session_buys, pop_cdf, level, rng)
    st = staple_sessions(cfg, staple_user, staple_product, rng)
    hs = len(session_user)
    s = hs + len(st[7])  # human sessions; their orders are keyed by session
    n_bot = int(rng.poisson(s * cfg.bot_share / (1.0 - cfg.bot_share))) if s else 0
    bot_actor = users.n + rng.integers(0, n_bot_ids, size=n_bot)
    bt = bot_sessions(n_bot, products.n, cheapest, rng)
    time_s = np.concatenate([h[0], st[0], bt[0]])
    return DayEvents(
        time_ms=np.floor(time_s * 1000.0).astype(np.int64),
        session=np.concatenate([h[1], st[1] + hs, bt[1] + s]),
        etype=np.concatenate([h[2], st[2], bt[2]]).astype(np.int8),
        product=np.concatenate([h[3], st[3], bt[3]]).astype(np.int64),
        quantity=np.concatenate([h[4], st[4], bt[4]]).astype(np.int32),
        order=np.concatenate([h[5], np.where(st[5] >= 0, st[5] + hs, -1),
                              np.where(bt[5] >= 0, bt[5] + s, -1)]).astype(np.int64),
        sess_actor=np.concatenate([session_user, st[7], bot_actor]).astype(np.int64),
        sess_start_ms=np.floor(np.concatenate([h[6], st[6], bt[6]]) * 1000.0).astype(np.int64),
        sess_is_bot=np.concatenate([np.zeros(s, dtype=bool), np.ones(n_bot, dtype=bool)]),
        sess_card_testing=np.concatenate([np.zeros(s, dtype=bool), bt[7]]),
    )
