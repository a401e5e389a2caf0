"""Benchmark the recommender's quality on the simulator, against every single method and the oracle.

    python bench/bench_recommender_quality.py --size 5000     # simulated users; default: 5000 (the default shop)

`simulate` makes the default shop (SimConfig(seed=42): 60 days, staples with purchase cycles, the
true P(buy in 7 days) per user and product in ground_truth/user_product_cutoffs.parquet); `train`
reads it with DuckDB as the warehouse gives it to the recommender (human sessions only, no
cancellations, order_key = the order id, quantity 1 where missing), takes the weekly cutoffs from
the 8th day whose next 7 days are in the data, and runs `train_recommender` with the default
RecommenderParams() (shipped protocol replenishment; the comparison holds both protocols) and
the truth. BLAS at one thread (OPENBLAS_NUM_THREADS = MKL_NUM_THREADS = 1); XGBoost and implicit
use 2 threads. Results go to bench/results/recommender_quality.jsonl.

Goals (issue 11): ranker recall@20 >= 1.1 x the best single method's, and >= 0.85 x the oracle's.
"""

from __future__ import annotations

import os

os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ["MKL_NUM_THREADS"] = "1"

import time  # noqa: E402
from pathlib import Path  # noqa: E402

from stages import main  # noqa: E402

SEED, DAYS = 42, 60
TRUTH = Path("ground_truth") / "user_product_cutoffs.parquet"
GOAL_VS_BEST_SINGLE, GOAL_VS_ORACLE = 1.1, 0.85


def stage_simulate(work: Path, size: int) -> dict:
    from simulator import SimConfig, simulate

    summary = simulate(SimConfig(users=size, days=DAYS, seed=SEED), work / "shop")
    if not (work / "shop" / TRUTH).exists():
        raise SystemExit(f"the simulator wrote no {TRUTH}: its per-product truth is not there yet")
    return {"users": summary.users, "days": summary.days, "events": summary.events, "purchases": summary.purchases,
            "simulate_seconds": summary.seconds}


def load(shop: Path):
    """Events, products and cutoffs as the warehouse gives them to the recommender (ml.recommend.data)."""
    import duckdb
    import pandas as pd

    with duckdb.connect() as con:
        events = con.execute(
            f"""
            select e.user_id, e.product_id, e.event_type, e.event_time, coalesce(e.quantity, 1) as quantity,
                   case when e.event_type = 'purchase' then coalesce(e.order_id, e.session_id) end as order_key, e.price
            from read_parquet('{shop}/events/*/*.parquet', hive_partitioning = true) as e
            left join read_parquet('{shop}/session_labels.parquet') as l on e.session_id = l.session_id
            where e.event_type <> 'cancel' and not coalesce(l.is_bot, false)
            order by e.event_time, e.user_id, e.product_id
            """
        ).df()
        products = con.execute(f"select product_id, category, price from read_parquet('{shop}/products.parquet') "
                               "order by product_id").df()
    start = events["event_time"].min().normalize()
    end = events["event_time"].max().normalize() + pd.Timedelta(days=1)  # midnight after the last day
    cutoffs = [start + pd.Timedelta(days=d) for d in range(7, (end - start).days + 1, 7)
               if start + pd.Timedelta(days=d + 7) <= end]
    return events, products, cutoffs


def stage_train(work: Path, size: int) -> dict:
    import dataclasses

    import pandas as pd

    from ml.recommend.config import PROTOCOLS, RecommenderParams
    from ml.recommend.ranking import prepare, vocabularies
    from ml.recommend.train import train_recommender

    shop = work / "shop"
    started = time.perf_counter()
    events, products, cutoffs = load(shop)
    from ml.recommend.oracle import with_preferences

    truth = with_preferences(pd.read_parquet(shop / TRUTH), pd.read_parquet(shop / "ground_truth" / "top_preferences.parquet"))
    load_seconds = time.perf_counter() - started
    params = RecommenderParams()
    started = time.perf_counter()
    training = train_recommender(events, products, cutoffs, params, truth)
    train_seconds = time.perf_counter() - started
    if training.recommender.ranker is None:
        raise SystemExit(f"no ranker: {training.recommender.fallback_reason}")

    # the test users: buyers at the test cutoff under each protocol (no generator needs fitting for that)
    users, items = vocabularies(events, products)
    test = prepare(events, training.test_cutoff, users, items, products, dataclasses.replace(params, generators=()))
    out = {"human_events": len(events), "purchase_lines": int((events["event_type"] == "purchase").sum()),
           "cutoffs": [str(c.date()) for c in cutoffs], "test_cutoff": str(training.test_cutoff.date()),
           "load_seconds": round(load_seconds, 2), "train_seconds": round(train_seconds, 2),
           "fit_seconds": {k.removeprefix("fit_seconds_"): round(v, 2) for k, v in training.fit_seconds.items()},
           "shipped_protocol": params.protocol, "train_cutoffs": params.train_cutoffs}
    comparison = training.comparison
    for protocol in PROTOCOLS:
        table = comparison[comparison["protocol"] == protocol].set_index("method")
        singles = table.drop(index=["ranker", "oracle"], errors="ignore")
        ranker = float(table.loc["ranker", "recall_at_20"])
        best = singles["recall_at_20"].idxmax()
        out[protocol] = {
            "test_users": len(test.buyers(protocol)),
            "methods": {m: {c: round(float(v), 4) for c, v in row.items() if c != "protocol"} for m, row in table.iterrows()},
            "best_single": best,
            "ranker_vs_best_single": round(ranker / float(singles.loc[best, "recall_at_20"]), 3),
            "ranker_vs_oracle": round(ranker / float(table.loc["oracle", "recall_at_20"]), 3),
        }
        out[protocol]["goal_vs_best_single_met"] = out[protocol]["ranker_vs_best_single"] >= GOAL_VS_BEST_SINGLE
        out[protocol]["goal_vs_oracle_met"] = out[protocol]["ranker_vs_oracle"] >= GOAL_VS_ORACLE
    out["threads"] = {"OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
                      "MKL_NUM_THREADS": os.environ.get("MKL_NUM_THREADS"),
                      "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "unset"),
                      "xgboost_n_jobs": params.ranker_xgb()["n_jobs"]}
    return out


STAGES = {"simulate": stage_simulate, "train": stage_train}

if __name__ == "__main__":
    main(__file__, "recommender_quality", STAGES, [5000], __doc__, tiny=800)
