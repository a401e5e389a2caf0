"""simulate(): generate a shop day by day and write a canonical source directory."""

from __future__ import annotations

import json
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from simulator import futures, process
from simulator.config import SimConfig
from simulator.output import GT_SCHEMAS, SCHEMAS, format_ids, id_width
from simulator.reviews import ratings, texts
from simulator.sessions import DayEvents, choose_products, day_events
from simulator.staples import with_staples
from simulator.world import CATEGORIES, CHANNELS, COUNTRIES, US_PER_DAY, Products, Users, make_products, make_users

EVENT_TYPES = pa.array(["view", "cart", "remove_from_cart", "purchase"])
EPOCH = datetime(1970, 1, 1)
DAYS_AHEAD = 2  # days whose events are being made while an earlier one is numbered and written


@dataclass(frozen=True)
class SimSummary:
    events: int
    users: int
    products: int
    reviews: int
    bot_sessions: int
    sessions: int
    purchases: int
    days: int
    seconds: float


def _day_us(cfg: SimConfig, t: int) -> int:
    return (datetime.combine(cfg.start_date, datetime.min.time()) + timedelta(days=t) - EPOCH) // timedelta(microseconds=1)


def _date(cfg: SimConfig, t: int) -> str:
    return (cfg.start_date + timedelta(days=t)).isoformat()


def _write(table: pa.Table, path: Path) -> None:
    """Write one parquet file; unique-id columns skip dictionary encoding (it only costs time)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    unique = {"event_id", "session_id", "order_id", "review_id", "text", "event_time", "review_time"}
    pq.write_table(table, path, use_dictionary=[c for c in table.column_names if c not in unique])


class _Writes:
    """Files written by a thread of their own, in order, at most `depth` writes behind the caller."""

    def __init__(self, depth: int = 8) -> None:
        self.pool, self.queued, self.depth = ThreadPoolExecutor(1), deque(), depth

    def submit(self, write, *args) -> None:
        self.queued.append(self.pool.submit(write, *args))
        while len(self.queued) > self.depth:
            self.queued.popleft().result()

    def close(self) -> None:
        while self.queued:
            self.queued.popleft().result()
        self.pool.shutdown()


def _ts(us: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(us, dtype=np.int64), type=pa.int64()).cast(pa.timestamp("us"))


@dataclass
class _Day:
    """One day's events in time order, its sessions numbered by start and its orders by first purchase
    from 0 within the day (`record` adds the days before), and the reviews its purchases will get."""

    ev: DayEvents
    by_start: np.ndarray  # the day's sessions in number order
    time_us: np.ndarray
    session: np.ndarray  # per event: its session's number
    actor: np.ndarray
    etype: np.ndarray
    product: np.ndarray
    price: np.ndarray
    quantity: np.ndarray
    is_buy: np.ndarray
    order: np.ndarray  # per purchase event: its order's number
    n_orders: int
    reviews: dict | None = None


class _Run:
    """Holds the world, the state and the open writers of one simulation."""

    def __init__(self, cfg: SimConfig, out: Path) -> None:
        self.cfg, self.out = cfg, out
        root = np.random.SeedSequence(cfg.seed)
        # staples and the item oracle have streams of their own: the others stay as they were
        world_seq, day_seq, staple_seq, oracle_seq, purchase_days_seq = root.spawn(5)
        rng = np.random.Generator(np.random.PCG64(world_seq))
        self.day_seqs = [seq.spawn(2) for seq in day_seq.spawn(cfg.days)]  # the decisions', the events'
        self.oracle_seqs = oracle_seq.spawn(cfg.days)
        self.purchase_days_seqs = purchase_days_seq.spawn(cfg.days)
        self.products: Products = make_products(cfg, rng)
        self.users: Users = with_staples(cfg, self.products, make_users(cfg, rng), np.random.Generator(np.random.PCG64(staple_seq)))
        self.n_bot_ids = max(3, cfg.users // 500)
        n_ids = self.users.n + self.n_bot_ids
        self.id_numbers = rng.permutation(n_ids)  # bots share the id space with humans
        self.actor_ids = format_ids("u", self.id_numbers, id_width(n_ids, 6))
        self.product_ids = format_ids("p", np.arange(self.products.n), id_width(self.products.n, 5))
        k = min(cfg.n_categories, len(CATEGORIES))
        self.drift_categories = np.sort(rng.choice(np.arange(k // 4, k), size=min(cfg.drift_n_categories, k - k // 4), replace=False))
        # satisfaction is standardised against the utility of products users actually view
        pu = rng.integers(0, self.users.n, 20_000)
        pp, _ = choose_products(cfg, self.products, self.users, pu, self.popularity_cdf(0), 0.0, rng)
        u = self._utility(pu, pp, 1.0)
        self.util_mu, self.util_sd = float(u.mean()), float(u.std())
        self.cheapest = np.argsort(self.products.price, kind="stable")[:10]
        self.state = process.State.initial(self.users)
        self.first_seen = np.where(self.users.is_new, -1, _day_us(cfg, 0) - self.users.prehistory_us)
        self.n_events = self.n_sessions = self.n_orders = self.n_reviews = self.n_bot_sessions = self.n_purchases = 0
        self.pending_reviews: list[dict] = []
        self.labels_w = pq.ParquetWriter(out / "session_labels.parquet", SCHEMAS["session_labels"])
        gt = out / "ground_truth"
        gt.mkdir(parents=True, exist_ok=True)
        self.bots_w = pq.ParquetWriter(gt / "bot_sessions.parquet", GT_SCHEMAS["bot_sessions"])
        self.writers = [self.labels_w, self.bots_w]
        if cfg.oracles:
            self.cutoffs_w = pq.ParquetWriter(gt / "user_cutoffs.parquet", GT_SCHEMAS["user_cutoffs"])
            self.items_w = pq.ParquetWriter(gt / "user_product_cutoffs.parquet", GT_SCHEMAS["user_product_cutoffs"])
            self.writers += [self.cutoffs_w, self.items_w]
        self.by_id = np.argsort(self.id_numbers[: self.users.n], kind="stable")  # the users in id order
        self.writes = _Writes()
        self.writes.submit(self.write_world)

    def _utility(self, u: np.ndarray, p: np.ndarray, level: float) -> np.ndarray:
        us, pr = self.users, self.products
        return np.einsum("ij,ij->i", us.taste[u], pr.latent[p]) - us.price_sens[u] * np.log(pr.price[p] * level)

    def popularity_cdf(self, t: int) -> np.ndarray:
        pop = self.products.popularity
        if self.cfg.drift_on("category") and t >= self.cfg.drift_day:
            boosted = np.isin(self.products.category, self.drift_categories)
            pop = np.where(boosted, pop * self.cfg.drift_category_boost, pop)
        cdf = np.cumsum(pop)
        return cdf / cdf[-1]

    # --- one day: its decisions (in order), its events (any thread), their records (in order) ----
    def decide(self, t: int) -> process.DayDraw:
        """Advance the users' state by day t (after the cutoff's truth, if t is a cutoff)."""
        if self.cfg.oracles and t >= 7 and t % 7 == 0:
            self.write_cutoff(t)
        rng = np.random.Generator(np.random.PCG64(self.day_seqs[t][0]))
        return process.step_day(self.cfg, self.users, self.state, t, rng)

    def events(self, t: int, draw: process.DayDraw) -> _Day:
        """The day's events from its decisions alone, in time order and numbered within the day, and
        the reviews its purchases will get."""
        cfg = self.cfg
        rng = np.random.Generator(np.random.PCG64(self.day_seqs[t][1]))
        level = process.price_level(cfg, t)
        ev = day_events(cfg, self.products, self.users, draw.session_user, draw.session_buys, draw.staple_user,
                        draw.staple_product, self.popularity_cdf(t), level, self.n_bot_ids, self.cheapest, rng)
        # sessions numbered by start time, orders by first purchase time: ids leak nothing
        by_start = np.argsort(ev.sess_start_ms, kind="stable")
        s_rank = np.empty(len(by_start), dtype=np.int64)
        s_rank[by_start] = np.arange(len(by_start))
        order = np.argsort(ev.time_ms, kind="stable")
        sess, okey, prod = ev.session[order], ev.order[order], ev.product[order]
        is_buy = okey >= 0
        _, first_idx, inv = np.unique(okey[is_buy], return_index=True, return_inverse=True)
        o_rank = np.empty(len(first_idx), dtype=np.int64)
        o_rank[np.argsort(first_idx, kind="stable")] = np.arange(len(first_idx))
        day = _Day(ev=ev, by_start=by_start, time_us=_day_us(cfg, t) + ev.time_ms[order] * 1000, session=s_rank[sess],
                   actor=ev.sess_actor[sess], etype=ev.etype[order], product=prod,
                   price=np.round(self.products.price[prod] * level, 2), quantity=ev.quantity[order], is_buy=is_buy,
                   order=o_rank[inv], n_orders=len(first_idx))
        day.reviews = self.reviews(day, level, rng)
        return day

    def reviews(self, day: _Day, level: float, rng: np.random.Generator) -> dict | None:
        """Some of the day's human purchases get a review, dated up to `review_max_delay_days` later."""
        rows = np.flatnonzero(day.is_buy & (day.actor < self.users.n))
        rows = rows[rng.random(len(rows)) < self.cfg.review_prob]
        if not len(rows):
            return None
        u, p = day.actor[rows], day.product[rows]
        z = (self._utility(u, p, level) - self.util_mu) / self.util_sd
        rating = ratings(z, rng)
        delay = np.floor(rng.random(len(rows)) * self.cfg.review_max_delay_days * US_PER_DAY).astype(np.int64)
        return {"user": u, "product": p, "rating": rating, "text": np.array(texts(rating, rng), dtype=object),
                "time": day.time_us[rows] + delay}

    def record(self, t: int, day: _Day) -> None:
        """Number the day's events, sessions and orders after the days before, and write them."""
        ev, n = day.ev, len(day.time_us)
        session_ids = format_ids("s", self.n_sessions + np.arange(len(day.by_start)), 10)  # by number
        order_ids = format_ids("o", self.n_orders + day.order, 10)  # one per purchase event
        events = pa.table([
            format_ids("e", self.n_events + np.arange(n), 10),
            _ts(day.time_us),
            self.actor_ids.take(pa.array(day.actor)),
            session_ids.take(pa.array(day.session)),
            EVENT_TYPES.take(pa.array(day.etype.astype(np.int64))),
            self.product_ids.take(pa.array(day.product)),
            pa.array(day.price, type=pa.float64()),
            pa.array(day.quantity, type=pa.int32()),
            order_ids.take(pa.array(np.cumsum(day.is_buy) - 1, mask=~day.is_buy)),  # null where no purchase
        ], schema=SCHEMAS["events"])
        self.writes.submit(_write, events, self.out / "events" / f"event_date={_date(self.cfg, t)}" / "events.parquet")

        is_bot = ev.sess_is_bot[day.by_start]
        self.writes.submit(self.labels_w.write_table, pa.table([session_ids, pa.array(is_bot)], schema=SCHEMAS["session_labels"]))
        bot_no, bots = np.flatnonzero(is_bot), day.by_start[is_bot]
        n_ev = np.bincount(ev.session, minlength=len(day.by_start))
        self.writes.submit(self.bots_w.write_table, pa.table([
            session_ids.take(pa.array(bot_no)), self.actor_ids.take(pa.array(ev.sess_actor[bots])),
            _ts(_day_us(self.cfg, t) + ev.sess_start_ms[bots] * 1000), pa.array(n_ev[bots].astype(np.int32)),
            pa.array(ev.sess_card_testing[bots])], schema=GT_SCHEMAS["bot_sessions"]))

        arriving = np.flatnonzero(self.users.is_new & (self.users.arrival_day == t))
        if len(arriving):
            first = np.full(self.users.n + self.n_bot_ids, np.iinfo(np.int64).max)
            np.minimum.at(first, day.actor, day.time_us)
            self.first_seen[arriving] = first[arriving]
        if day.reviews is not None:
            self.pending_reviews.append(day.reviews)
        self.flush_reviews(t)
        self.n_events += n
        self.n_sessions += len(day.by_start)
        self.n_orders += day.n_orders
        self.n_bot_sessions += int(is_bot.sum())
        self.n_purchases += int(day.is_buy.sum())

    def flush_reviews(self, t: int) -> None:
        """Write reviews dated day t (all pending ones are dated t or later)."""
        if not self.pending_reviews:
            return
        pend = {k: np.concatenate([r[k] for r in self.pending_reviews]) for k in self.pending_reviews[0]}
        end = _day_us(self.cfg, t + 1)
        now = pend["time"] < end
        keep = {k: v[~now] for k, v in pend.items()}
        self.pending_reviews = [keep] if len(keep["time"]) else []
        idx = np.flatnonzero(now)
        if not len(idx):
            return
        idx = idx[np.argsort(pend["time"][idx], kind="stable")]
        table = pa.table([
            format_ids("r", self.n_reviews + np.arange(len(idx)), 9),
            self.actor_ids.take(pa.array(pend["user"][idx])),
            self.product_ids.take(pa.array(pend["product"][idx])),
            pa.array(pend["rating"][idx], type=pa.int32()),
            pa.array(pend["text"][idx].tolist(), type=pa.string()),
            _ts(pend["time"][idx]),
        ], schema=SCHEMAS["reviews"])
        self.writes.submit(_write, table, self.out / "reviews" / f"review_date={_date(self.cfg, t)}" / "reviews.parquet")
        self.n_reviews += len(idx)

    # --- ground truth --------------------------------------------------------------------
    def write_cutoff(self, t: int) -> None:
        present = np.flatnonzero(self.users.arrival_day < t)
        us, st = self.users.subset(present), self.state.subset(present)
        p7 = process.p_purchase(self.cfg, us, st, t, 7)
        p30 = process.p_no_event(self.cfg, us, st, t, 30)
        rng = np.random.Generator(np.random.PCG64(self.purchase_days_seqs[t]))
        days = futures.expected_purchase_days(self.cfg, us, st, t, futures.PURCHASE_DAYS_HORIZON, rng)
        cutoff = self.cfg.start_date + timedelta(days=t)
        self.cutoffs_w.write_table(pa.table([
            self.actor_ids.take(pa.array(present)), pa.array([cutoff] * len(present), type=pa.date32()),
            pa.array(st.alive), pa.array(p7), pa.array(p30), pa.array(days)], schema=GT_SCHEMAS["user_cutoffs"]))
        self.write_item_cutoff(t, present, us, st)

    def write_item_cutoff(self, t: int, present: np.ndarray, us: Users, st: process.State) -> None:
        """Top products per present user by P(buying them in the 7 days from cutoff t)."""
        rng = np.random.Generator(np.random.PCG64(self.oracle_seqs[t]))
        cdfs = [self.popularity_cdf(t + d) for d in range(7)]
        truth = futures.item_truth(self.cfg, self.products, us, st, t, cdfs, rng)
        user = present[truth.user]
        score = self._utility(user, truth.product, 1.0) + np.log(self.products.popularity[truth.product])
        keep, rank = futures.top_products(truth.user, truth.product, truth.p_buy, score, self.cfg.top_k_products)
        self.items_w.write_table(pa.table([
            self.actor_ids.take(pa.array(user[keep])),
            pa.array([self.cfg.start_date + timedelta(days=t)] * len(keep), type=pa.date32()),
            self.product_ids.take(pa.array(truth.product[keep])), pa.array(truth.p_buy[keep]),
            pa.array(rank, type=pa.int32())], schema=GT_SCHEMAS["user_product_cutoffs"]))

    def write_world(self) -> None:
        """The products, the users' hidden traits and staples, and their top preferences: all fixed from the
        start, so written while the days run."""
        cfg, us, pr, by_id = self.cfg, self.users, self.products, self.by_id
        brands = np.array([f"{CATEGORIES[c]}_brand_{b % cfg.brands_per_category + 1:02d}"
                           for c, b in zip(pr.category, pr.brand)])
        _write(pa.table([self.product_ids, pa.array(np.array(CATEGORIES)[pr.category]), pa.array(brands),
                         pa.array(pr.price)], schema=SCHEMAS["products"]), self.out / "products.parquet")
        gt = self.out / "ground_truth"
        fac = {f"factor_{j}": us.taste[by_id, j] for j in range(cfg.latent_dim)}
        _write(pa.table({"user_id": self.actor_ids.take(pa.array(by_id)), **fac,
                         "price_sensitivity": us.price_sens[by_id], "base_rate": us.base_rate[by_id],
                         "extra_sessions": us.extra_sessions[by_id], "intent_logit": us.intent[by_id],
                         "arrival_day": us.arrival_day[by_id].astype(np.int32), "is_cohort": us.is_cohort[by_id],
                         "initial_engagement": us.e0[by_id]}), gt / "user_factors.parquet")
        pfac = {f"factor_{j}": pr.latent[:, j] for j in range(cfg.latent_dim)}
        _write(pa.table({"product_id": self.product_ids, "category": np.array(CATEGORIES)[pr.category],
                         "price": pr.price, "popularity": pr.popularity,
                         "log_popularity": np.log(pr.popularity), **pfac}), gt / "product_factors.parquet")
        if cfg.oracles:  # the recommender's oracle reads it only beside user_product_cutoffs
            self.write_top_preferences(by_id, gt / "top_preferences.parquet")
        self.write_staples(by_id, gt / "staples.parquet")

    def finish(self) -> None:
        cfg, us, by_id = self.cfg, self.users, self.by_id
        self.writes.close()
        for w in self.writers:
            w.close()
        _write(pa.table([
            self.actor_ids.take(pa.array(by_id)), _ts(self.first_seen[by_id]),
            pa.array(np.array(COUNTRIES)[us.country[by_id]]), pa.array(np.array(CHANNELS)[us.channel[by_id]]),
        ], schema=SCHEMAS["users"]), self.out / "users.parquet")
        gt = self.out / "ground_truth"
        drift = None
        if cfg.drift_day is not None:
            drift = {"drift_day": cfg.drift_day, "drift_date": _date(cfg, cfg.drift_day), "kinds": list(cfg.drift_kinds)}
            if cfg.drift_on("price"):
                drift["price"] = {"price_level_before": 1.0, "price_level_after": cfg.drift_price_factor}
            if cfg.drift_on("category"):
                drift["category"] = {"boosted_categories": [CATEGORIES[c] for c in self.drift_categories],
                                     "popularity_factor": cfg.drift_category_boost}
            if cfg.drift_on("cohort"):
                drift["cohort"] = {"n_users": int(us.is_cohort.sum()), "intent_logit_mean": cfg.drift_cohort_intent,
                                   "arrival_rate_vs_regular": cfg.drift_cohort_rate,
                                   "channel_mix": dict(zip(CHANNELS, (0.1, 0.1, 0.7, 0.05, 0.05)))}
        (gt / "drift.json").write_text(json.dumps(drift, indent=2, sort_keys=True) + "\n")
        (gt / "config.json").write_text(json.dumps({
            **cfg.to_json_dict(), "n_humans": us.n, "n_bot_ids": self.n_bot_ids,
            "preference_score": "sum_j taste_j * factor_j - price_sensitivity * log(price) + log(popularity)",
            "staples": "staples.parquet: products a user rebuys on a cycle; P(buying one on a day) = staple_buy_max"
                       " / (1 + exp(-staple_steepness * ((day - last purchase day) / cycle_days - 1)))",
            "expected_purchase_days_28d": "user_cutoffs.parquet: E[days with a purchase in [cutoff, cutoff + 28 days))"
                                          " from oracle_purchase_futures futures of the generating process at the cutoff",
            "p_buy_7d": "user_product_cutoffs.parquet: P(the user buys the product in [cutoff, cutoff + 7 days))"
                        " from oracle_futures Monte Carlo futures of the generating process at the cutoff; the"
                        " top_k_products with p > 0 per user, rank 1 = most likely, ties by preference_score",
        }, indent=2, sort_keys=True) + "\n")

    def write_staples(self, by_id: np.ndarray, path: Path) -> None:
        """One row per (user, staple) with its purchase cycle."""
        u, slot = np.nonzero(self.users.staples[by_id] >= 0)
        user = by_id[u]
        _write(pa.table([self.actor_ids.take(pa.array(user)), self.product_ids.take(pa.array(self.users.staples[user, slot])),
                         pa.array(self.users.staple_cycle[user, slot])], schema=GT_SCHEMAS["staples"]), path)

    def write_top_preferences(self, by_id: np.ndarray, path: Path) -> None:
        """Top-k products per user by true preference (utility + log popularity, pre-drift)."""
        us, pr, k = self.users, self.products, min(self.cfg.top_k, self.products.n)
        # score = [taste, -price_sens, 1] . [latent, log price, log popularity] in one product
        items = np.hstack([pr.latent, np.log(pr.price)[:, None], np.log(pr.popularity)[:, None]])
        items32 = items.T.astype(np.float32)
        # the k-th best among the most popular products bounds the k-th best overall from
        # below, so only products scoring above it can be in the top k; those are ranked exactly
        head = np.argsort(-pr.popularity, kind="stable")[: min(pr.n, max(4 * k, 256))]
        with pq.ParquetWriter(path, GT_SCHEMAS["top_preferences"]) as w:
            for a in range(0, len(by_id), 8192):
                u = by_id[a:a + 8192]
                left = np.hstack([us.taste[u], -us.price_sens[u, None], np.ones((len(u), 1))])
                s32 = left.astype(np.float32) @ items32
                bound = -np.partition(-s32[:, head], k - 1, axis=1)[:, k - 1] - 1e-3
                rows, cols = np.nonzero(s32 >= bound[:, None])
                exact = np.einsum("nd,nd->n", left[rows], items[cols])
                o = np.lexsort((cols, -exact, rows))
                rows, cols, exact = rows[o], cols[o], exact[o]
                first = np.searchsorted(rows, np.arange(len(u)))
                take = (first[:, None] + np.arange(k)).ravel()
                top, sc = cols[take].reshape(len(u), k), exact[take].reshape(len(u), k)
                w.write_table(pa.table([
                    self.actor_ids.take(pa.array(np.repeat(u, k))), self.product_ids.take(pa.array(top.ravel())),
                    pa.array(sc.ravel()), pa.array(np.tile(np.arange(1, k + 1, dtype=np.int32), len(u)))],
                    schema=GT_SCHEMAS["top_preferences"]))


def simulate(cfg: SimConfig, out_dir: str | Path) -> SimSummary:
    """Generate `cfg.days` days of a shop into `out_dir` (a canonical source directory).

    Three threads share the work (numpy and pyarrow release the GIL): this one decides each day and numbers
    its records, one makes the events of the days decided, one writes the files. Every day draws from
    streams of its own, so the files are the same as made one day at a time.
    """
    t0 = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    run = _Run(cfg, out)
    with ThreadPoolExecutor(1) as pool:
        made: deque = deque()
        for t in range(cfg.days):
            made.append((t, pool.submit(run.events, t, run.decide(t))))
            while len(made) > DAYS_AHEAD or (made and t == cfg.days - 1):
                day, events = made.popleft()
                run.record(day, events.result())
    run.finish()
    return SimSummary(events=run.n_events, users=run.users.n, products=run.products.n, reviews=run.n_reviews,
                      bot_sessions=run.n_bot_sessions, sessions=run.n_sessions, purchases=run.n_purchases,
                      days=cfg.days, seconds=round(time.perf_counter() - t0, 3))


def summary_dict(s: SimSummary) -> dict:
    return asdict(s)
