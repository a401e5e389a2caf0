"""Benchmark the suspicious-session detectors: their cost at scale and their quality against the simulator's bots.

    python bench/bench_session_risk.py --size 100000     # sessions; default: 100 k then 1 M

Cost, on synthetic feature frames (seeded; 2 % bots drawn like the simulator's: 20-100 views about 1.7 s
apart over uniform products, the humans' geometric views about 40 s apart, starts over 60 days), each stage
in its own process: `generate` (parquet into the work dir); `isolation` (IsolationDetector with the default
RiskParams: fit, then score every session, each timed, and the share it flags); `train` (train_detectors,
all three detectors and the choice, then flag_sessions with the rules' reasons for every session).
Quality, once per run after the sized stages: the default shop (SimConfig(seed=42): 5,000 users, 60 days,
2 % bot sessions) simulated, landed and built by dbt (`+fct_sessions +int_events_sessionized`), then
load_sessions and train_detectors with the default RiskParams; each detector's test PR AUC, precision@k and
recall@k against the planted bots, and the isolation forest's flagged share on the humans alone, unlabelled.
Results go to bench/results/session_risk.jsonl.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from stages import ROOT, append_result, main, peak_mib

DAYS = 60
BOT_SHARE = 0.02


def synthetic_sessions(n: int, rng: np.random.Generator):
    """load_sessions' columns for n sessions, BOT_SHARE of them bots."""
    import pandas as pd

    bot = rng.random(n) < BOT_SHARE
    n_events = np.where(bot, rng.integers(20, 101, n), rng.geometric(0.22, n)).astype(float)
    gap_s = np.where(bot, 1.7, 41.0)
    duration = (n_events - 1) * gap_s * rng.uniform(0.7, 1.3, n) / 60
    n_products = np.where(bot, n_events, np.maximum(1, np.round(n_events * rng.uniform(0.5, 1.0, n))))
    start = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.sort(rng.uniform(0, DAYS * 86_400, n)), unit="s")
    bought = ~bot & (rng.random(n) < 0.15)
    return pd.DataFrame({
        "session_key": [f"s{i:08d}" for i in range(n)],
        "user_id": [f"u{i:07d}" for i in rng.integers(0, max(1, n // 3), n)],
        "session_start": start,
        "session_date": start.normalize(),
        "is_bot": pd.array(bot, dtype="boolean"),
        "events_per_minute": n_events / np.maximum(duration, 1.0),
        "n_events": n_events,
        "n_products": n_products,
        "duration_minutes": duration,
        "uncarted_view_share": np.where(bot, 1.0, rng.choice([0.0, 0.5, 1.0], n, p=[0.2, 0.2, 0.6])),
        "gap_cv": np.where(n_events < 3, 1.0, rng.uniform(0.5, 1.2, n)),
        "night_share": np.where(rng.random(n) < np.where(bot, 0.25, 0.04), 1.0, 0.0),
        "purchase_burst": np.where(bought, rng.integers(1, 3, n), 0).astype(float),
        "paymentless_carts": np.where(~bot & ~bought & (rng.random(n) < 0.2), 1.0, 0.0),
    })


def stage_generate(work: Path, size: int) -> dict:
    sessions = synthetic_sessions(size, np.random.default_rng(0))
    sessions.to_parquet(work / "sessions.parquet", index=False)
    return {"sessions": size, "bots": int(sessions["is_bot"].sum())}


def stage_isolation(work: Path, size: int) -> dict:
    import pandas as pd

    from ml.risk.detectors import IsolationDetector
    from ml.risk.train import RiskParams

    sessions = pd.read_parquet(work / "sessions.parquet")
    params = RiskParams()
    out = {"load_1m": os.getloadavg()[0], "peak_before_fit_mib": peak_mib()}
    started = time.perf_counter()
    detector = IsolationDetector(params.rules(), params.n_estimators, params.max_samples, params.contamination,
                                 params.seed).fit(sessions)
    fitted = time.perf_counter()
    score = detector.score(sessions)
    return {**out, "fit_seconds": round(fitted - started, 2), "score_seconds": round(time.perf_counter() - fitted, 2),
            "flagged_share": round(float(np.mean(score >= params.flag_score)), 4)}


def stage_train(work: Path, size: int) -> dict:
    import pandas as pd

    from ml.risk.train import RiskParams, flag_sessions, train_detectors

    sessions = pd.read_parquet(work / "sessions.parquet")
    params = RiskParams()
    out = {"load_1m": os.getloadavg()[0], "peak_before_fit_mib": peak_mib()}
    started = time.perf_counter()
    training = train_detectors(sessions, params)
    trained = time.perf_counter()
    flags = flag_sessions(training.detector, sessions, params)
    return {**out, "train_seconds": round(trained - started, 2), "flag_seconds": round(time.perf_counter() - trained, 2),
            "chosen": training.name, "flagged_share": round(float(flags["flagged"].mean()), 4),
            "metrics": {k: round(v, 4) for k, v in training.metrics.items()}}


def shop_quality(work: Path) -> dict:
    """The detectors on the default simulated shop, through ingest and dbt (see the module docstring)."""
    import pandas as pd

    from ml.risk.features import load_sessions
    from ml.risk.train import RiskParams, train_detectors
    from shoplens.ingest import export_event_days, export_tables, land, parse_source
    from simulator import SimConfig, simulate

    summary = simulate(SimConfig(seed=42), work / "source")
    report = land(parse_source(f"canonical:{work / 'source'}"), work / "landing.duckdb")
    export_event_days(work / "landing.duckdb", work / "raw", report.event_days)
    export_tables(work / "landing.duckdb", work / "raw")
    subprocess.run([str(Path(sys.executable).parent / "dbt"), "run", "--select", "+fct_sessions", "+int_events_sessionized",
                    "--project-dir", str(ROOT / "dbt_project"), "--profiles-dir", str(ROOT / "dbt_project"),
                    "--target-path", str(work / "dbt_target"), "--vars", json.dumps({"data_dir": str(work)})],
                   check=True, stdout=subprocess.DEVNULL, env=os.environ)
    started = time.perf_counter()
    sessions = load_sessions(work / "warehouse.duckdb")
    loaded = time.perf_counter()
    training = train_detectors(sessions, RiskParams())
    trained = time.perf_counter()
    humans = sessions[~sessions["is_bot"].to_numpy(bool)].assign(is_bot=pd.NA).astype({"is_bot": "boolean"})
    unlabelled = train_detectors(humans, RiskParams())
    comparison = training.comparison.set_index("detector").round(4)
    return {"sessions": len(sessions), "bot_sessions": summary.bot_sessions, "days": summary.days,
            "load_sessions_seconds": round(loaded - started, 2), "train_seconds": round(trained - loaded, 2),
            "split_date": str(training.split_date), "chosen": training.name, "notes": training.notes,
            "test_bot_share": round(float(training.test_scores["is_bot"].mean()), 4),
            "detectors": comparison.to_dict(orient="index"),
            "flagged_share_all_sessions": round(training.counts["flagged_share"], 4),
            "humans_only_isolation_flagged_share": round(unlabelled.counts["flagged_share"], 4)}


if __name__ == "__main__":
    main(__file__, "session_risk", {"generate": stage_generate, "isolation": stage_isolation, "train": stage_train},
         [100_000, 1_000_000], __doc__, tiny=5_000)
    if not {"--stage", "--tiny"} & set(sys.argv):  # the parent, once its sized stages are done (minutes: not at --tiny)
        with tempfile.TemporaryDirectory(prefix="bench_session_risk_shop_") as tmp:
            result = {"bench": "session_risk_quality", "cpus": os.cpu_count(), **shop_quality(Path(tmp))}
        print(json.dumps(result), flush=True)
        append_result("session_risk", result)
