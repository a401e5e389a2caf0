"""Benchmark CLV quality on the simulator: BG/NBD beside the same-rate baseline and the oracle, by history length.

    python bench/bench_clv_quality.py --size 150     # days of the simulated shop; default: 60 (the demo's) and 150

The default shop's config (SimConfig(seed=42), 5 000 users) over `size` days. Purchase days come
straight from the simulator's events (one row per user and day with a purchase, value = the day's
spend); unlike the warehouse, which leaves bot-labelled sessions out, they keep the card-testing
bots' purchases, so the 60-day figures differ a little from `make demo`'s. Calibration ends on the
latest weekly cutoff with 28 observed days after it; the oracle is the simulator's expected purchase
days in those 28 days from its true state at that cutoff.
Results go to bench/results/clv_quality.jsonl.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from stages import main


def stage_simulate(work: Path, days: int) -> dict:
    from simulator import SimConfig, simulate

    summary = simulate(SimConfig(seed=42, days=days), work / "shop")
    return {"users": summary.users, "purchases": summary.purchases, "simulate_seconds": summary.seconds}


def stage_clv(work: Path, days: int) -> dict:
    import time

    import duckdb
    import pandas as pd

    from ml.clv.data import Window
    from ml.clv.model import ClvParams
    from ml.clv.train import train_clv
    from simulator import SimConfig

    start = SimConfig().start_date
    purchase_days = duckdb.execute(
        "select user_id, event_time::date as day, sum(price * quantity) as value "
        "from read_parquet(?, hive_partitioning = true) where event_type = 'purchase' group by 1, 2",
        [str(work / "shop" / "events" / "*" / "*.parquet")],
    ).df()
    purchase_days["day"] = pd.to_datetime(purchase_days["day"])
    truth = pd.read_parquet(work / "shop" / "ground_truth" / "user_cutoffs.parquet")
    started = time.perf_counter()
    training = train_clv(purchase_days, Window(start, start + timedelta(days=days - 1), True), ClvParams(), truth)
    return {"fit_seconds": round(time.perf_counter() - started, 2), "calibration_end": str(training.calibration_end),
            **{k: round(v, 4) for k, v in {**training.metrics, **training.model.params()}.items()}}


if __name__ == "__main__":
    main(__file__, "clv_quality", {"simulate": stage_simulate, "clv": stage_clv}, [60, 150], __doc__, tiny=60)
