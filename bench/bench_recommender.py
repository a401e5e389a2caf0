"""Benchmark the recommender at scale: each candidate generator alone, then `train_recommender` end to end.

    python bench/bench_recommender.py --size 1000000     # interactions (events); default: 1 M, 3 M, 10 M

Synthetic events over 56 days, seeded: users = size / 25, items = max(2000, size / 500) in 20
categories, items Zipf-popular (each user leaning to a favourite category), 85 % views, 7 % carts,
1 % removals, 7 % purchases; 35 % of a user's purchases after their first order repeat an earlier
purchase (so buy-again has something to find); orders group 1-3 purchase lines. The figures are of
speed, not quality: the data has little of the structure the methods look for.

Stages: `generate` (parquet into the work dir), `generators` (at the last cutoff, every generator's
fit and its top-50 for every user with history, in one process), `train` (the whole
`train_recommender` with RecommenderParams(train_cutoffs=1): three cutoffs prepared instead of the
default five, both protocols, the final lists; measured up to 3 M events, skipped above). BLAS runs
at one thread (OPENBLAS_NUM_THREADS = 1, MKL_NUM_THREADS = 1 in every stage's environment);
XGBoost and implicit use their own 2 threads (BPR 1, for reproducibility).
Results go to bench/results/recommender.jsonl.
"""

from __future__ import annotations

import os

# set before numpy loads BLAS; the stage processes inherit them
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["MKL_NUM_THREADS"] = "1"

import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from stages import main  # noqa: E402

DAYS, CATEGORIES, START = 56, 20, "2024-01-01"
EVENT_TYPES = ("view", "cart", "remove_from_cart", "purchase")
EVENT_SHARES = (0.85, 0.07, 0.01, 0.07)
REPEAT_SHARE = 0.35  # of purchases with an earlier order of the same user: a product bought before
FAVOURITE_SHARE = 0.6  # events on the user's favourite category (else the whole catalogue)
N_CANDIDATES = 50
TRAIN_MAX_SIZE = 3_000_000  # larger sizes run generate and generators only (see stage_train)


def threads() -> dict:
    """The thread settings every stage ran under."""
    from ml.recommend.config import RecommenderParams
    from ml.recommend.generators import NUM_THREADS

    gens = RecommenderParams().generator_params()
    return {
        "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
        "MKL_NUM_THREADS": os.environ.get("MKL_NUM_THREADS"),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "unset"),
        "xgboost_n_jobs": RecommenderParams().ranker_xgb()["n_jobs"],
        "als_threads": gens["als"].num_threads, "bpr_threads": gens["bpr"].num_threads, "knn_threads": NUM_THREADS,
    }


def cutoffs():
    """Weekly midnights from the 8th day whose next 7 days lie in the data."""
    import pandas as pd

    start = pd.Timestamp(START)
    return [start + pd.Timedelta(days=d) for d in range(7, DAYS - 6, 7)]


def load(work: Path):
    import pandas as pd

    return pd.read_parquet(work / "events.parquet"), pd.read_parquet(work / "products.parquet")


def stage_generate(work: Path, size: int) -> dict:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(0)
    n_users, n_items = size // 25, max(2000, size // 500)
    # items: Zipf popularity over a shuffled catalogue, a category and a list price each
    popularity = rng.permutation(1.0 / np.arange(1, n_items + 1) ** 1.1)
    category = rng.integers(0, CATEGORIES, n_items)
    price = np.round(rng.lognormal(3.0, 0.8, n_items), 2)
    by_category = np.lexsort((np.arange(n_items), category))
    # one increasing array: category c occupies [c, c + 1), split by popularity within c
    within = np.zeros(n_items)
    for c in range(CATEGORIES):
        positions = np.flatnonzero(category[by_category] == c)
        members = by_category[positions]
        within[positions] = c + np.cumsum(popularity[members]) / popularity[members].sum()
    global_cdf = np.cumsum(popularity) / popularity.sum()

    activity = rng.gamma(0.6, 1.0, n_users)
    user = np.searchsorted(np.cumsum(activity) / activity.sum(), rng.random(size), side="right").clip(0, n_users - 1)
    favourite = rng.integers(0, CATEGORIES, n_users)
    in_favourite = rng.random(size) < FAVOURITE_SHARE
    item = np.searchsorted(global_cdf, rng.random(size), side="right").clip(0, n_items - 1)
    slot = np.searchsorted(within, favourite[user[in_favourite]] + rng.random(in_favourite.sum()), side="right")
    item[in_favourite] = by_category[slot.clip(0, n_items - 1)]
    etype = rng.choice(len(EVENT_TYPES), size, p=EVENT_SHARES)
    seconds = rng.integers(0, DAYS * 86_400, size)

    # purchases by user and time, grouped into orders of 1-3 lines that share the first line's time
    lines = np.flatnonzero(etype == EVENT_TYPES.index("purchase"))
    lines = lines[np.lexsort((seconds[lines], user[lines]))]
    lu = user[lines]
    first_of_user = np.r_[True, lu[1:] != lu[:-1]]
    new_order = first_of_user | (rng.random(len(lines)) < 0.5)
    run_start = np.maximum.accumulate(np.where(new_order, np.arange(len(lines)), 0))
    new_order |= (np.arange(len(lines)) - run_start) % 3 == 0
    order = np.cumsum(new_order) - 1
    order_first = np.flatnonzero(new_order)
    seconds[lines] = np.minimum(seconds[lines][order_first[order]] + (np.arange(len(lines)) - order_first[order]),
                                DAYS * 86_400 - 1)
    # repeats: a line after the user's first order takes the product of a random earlier order's line
    user_first = np.maximum.accumulate(np.where(first_of_user, np.arange(len(lines)), 0))
    earlier = order_first[order] - user_first
    repeat = (earlier > 0) & (rng.random(len(lines)) < REPEAT_SHARE)
    source = np.arange(len(lines))
    source[repeat] = user_first[repeat] + (rng.random(repeat.sum()) * earlier[repeat]).astype(np.int64)
    while True:  # a repeat of a repeat is a repeat of the original
        nxt = source[source]
        if np.array_equal(nxt, source):
            break
        source = nxt
    item[lines] = item[lines][source]
    quantity = np.ones(size, dtype=np.int64)
    quantity[lines[rng.random(len(lines)) < 0.1]] = 2
    order_key = np.full(size, None, dtype=object)
    order_key[lines] = np.char.add("o", order.astype(str)).astype(object)

    user_ids = np.array([f"u{i:07d}" for i in range(n_users)], dtype=object)
    item_ids = np.array([f"p{i:06d}" for i in range(n_items)], dtype=object)
    times = np.datetime64(START, "us") + seconds.astype("timedelta64[s]").astype("timedelta64[us]")
    table = pa.table({
        "user_id": pa.array(user_ids[user], pa.string()), "product_id": pa.array(item_ids[item], pa.string()),
        "event_type": pa.array(np.array(EVENT_TYPES, dtype=object)[etype], pa.string()),
        "event_time": pa.array(times), "quantity": pa.array(quantity),
        "order_key": pa.array(order_key, pa.string()), "price": pa.array(price[item]),
    })
    pq.write_table(table, work / "events.parquet")
    pd.DataFrame({"product_id": item_ids, "category": [f"c{c:02d}" for c in category], "price": price}).to_parquet(
        work / "products.parquet", index=False)
    return {"events": size, "users": int(len(np.unique(user))), "items": n_items, "purchases": int(len(lines)),
            "orders": int(order[-1] + 1) if len(lines) else 0, "repeat_lines": int(repeat.sum())}


def stage_generators(work: Path, size: int) -> dict:
    from ml.recommend.config import RecommenderParams, make_generators
    from ml.recommend.history import History
    from ml.recommend.ranking import vocabularies

    events, products = load(work)
    users, items = vocabularies(events, products)
    cutoff = cutoffs()[-1]
    started = time.perf_counter()
    history = History.from_events(events, cutoff, users, items)
    out = {"cutoff": str(cutoff.date()), "history_events": len(history.user),
           "history_seconds": round(time.perf_counter() - started, 2)}
    del events
    who = np.unique(history.user).astype(np.int64)
    out["users_recommended"] = len(who)
    for name, generator in make_generators(RecommenderParams()).items():
        started = time.perf_counter()
        generator.fit(history)
        fitted = time.perf_counter()
        found = generator.recommend(who, N_CANDIDATES)
        out[name] = {"fit_seconds": round(fitted - started, 2), "recommend_seconds": round(time.perf_counter() - fitted, 2),
                     "mean_candidates": round(float((found.items >= 0).sum(axis=1).mean()), 1)}
        del found, generator
    return {**out, "threads": threads()}


def stage_train(work: Path, size: int) -> dict:
    if size > TRAIN_MAX_SIZE:
        return {"skipped": f"train_recommender is measured up to {TRAIN_MAX_SIZE:,} events: it took 287 s at 1 M "
                           "and 1384 s (6.6 GiB) at 3 M, so 10 M would take over an hour on 2 cores"}
    from ml.recommend import train as t
    from ml.recommend.config import RecommenderParams

    timings: dict[str, list[float]] = {}

    def timed(name, fn):
        def wrapper(*args, **kwargs):
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                timings.setdefault(name, []).append(round(time.perf_counter() - started, 2))
        return wrapper

    # the parts train_recommender calls, timed where it looks them up (its own module)
    for name in ("prepare", "candidate_rows"):
        setattr(t, name, timed(name, getattr(t, name)))
    rankers = []
    fit_ranker = timed("fit_ranker", t.fit_ranker)

    def described(train, valid, features, params):
        ranker = fit_ranker(train, valid, features, params)
        rankers.append({"train_rows": len(train), "valid_rows": len(valid),
                        "boosting_rounds": int(getattr(ranker, "best_iteration", params.ranker.n_estimators - 1)) + 1})
        return ranker

    t.fit_ranker = described
    events, products = load(work)
    params = RecommenderParams(train_cutoffs=1)
    started = time.perf_counter()
    training = t.train_recommender(events, products, cutoffs(), params)
    total = time.perf_counter() - started
    comparison = training.comparison
    shipped = comparison[comparison["protocol"] == params.protocol].set_index("method")
    singles = shipped.drop(index=["ranker"])
    return {
        "train_seconds": round(total, 2),
        "train_cutoffs": params.train_cutoffs,
        "fit_seconds": {k.removeprefix("fit_seconds_"): round(v, 2) for k, v in training.fit_seconds.items()},
        "parts_seconds": timings,
        "rankers": rankers,  # replenishment, discovery: candidate rows before keeping groups with a purchase
        "recall_at_20_ranker": round(float(shipped.loc["ranker", "recall_at_20"]), 4),
        "best_single": singles["recall_at_20"].idxmax(),
        "recall_at_20_best_single": round(float(singles["recall_at_20"].max()), 4),
        "users_listed": int(training.recommender.lists["user_id"].nunique()),
        "fallback": training.recommender.fallback_reason,
        "threads": threads(),
    }


STAGES = {"generate": stage_generate, "generators": stage_generators, "train": stage_train}

if __name__ == "__main__":
    main(__file__, "recommender", STAGES, [1_000_000, 3_000_000, 10_000_000], __doc__, tiny=20_000)
