"""Benchmark the foundation at a given size: simulate, land, dbt build, beside a raw DuckDB group-by.

    python bench/bench_pipeline.py --events 1000000

Each stage runs in its own process so its peak memory is its own (dbt's peak is the dbt
process). Results are printed and appended as one JSON line to bench/results/pipeline.jsonl.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results" / "pipeline.jsonl"
EVENTS_PER_USER = 14.6  # measured: the default process over 60 days (bench/results/simulator.jsonl)


def _peak_mib() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024, 1)


def stage_simulate(work: Path, events: int) -> dict:
    from simulator import SimConfig, simulate

    summary = simulate(SimConfig(users=max(100, round(events / EVENTS_PER_USER)), days=60, seed=7), work / "source")
    return {"events": summary.events, "users": summary.users, "events_per_s": round(summary.events / summary.seconds)}


def stage_land(work: Path, events: int) -> dict:
    from shoplens.ingest import export_event_days, export_tables, land, parse_source

    report = land(parse_source(f"canonical:{work / 'source'}"), work / "landing.duckdb")
    export_event_days(work / "landing.duckdb", work / "raw", report.event_days)
    export_tables(work / "landing.duckdb", work / "raw")
    return {"rows": report.rows["events"], "quarantined": report.rows["quarantine"]}


def stage_dbt(work: Path, events: int) -> dict:
    dbt = Path(sys.executable).parent / "dbt"
    args = ["build", "--project-dir", str(ROOT / "dbt_project"), "--profiles-dir", str(ROOT / "dbt_project"),
            "--target-path", str(work / "dbt_target"), "--exclude", "test_type:unit"]
    subprocess.run([str(dbt), *args], check=True, stdout=subprocess.DEVNULL, env={**os.environ, "SHOPLENS_DATA_DIR": str(work)})
    return {}


def stage_groupby(work: Path, events: int) -> dict:
    """The yardstick: one DuckDB pass over the same events, per user and day counts."""
    import duckdb

    rows = duckdb.sql(
        f"""
        select count(*) from (
            select user_id, cast(event_time as date) as day, count(*) filter (where event_type = 'view') as views,
                   count(*) filter (where event_type = 'purchase') as purchases, sum(price) as amount
            from read_parquet('{work}/raw/events/*/*.parquet') group by all)
        """
    ).fetchone()[0]
    return {"user_days": rows}


STAGES = {"simulate": stage_simulate, "land": stage_land, "dbt_build": stage_dbt, "duckdb_groupby": stage_groupby}


def run_stage(name: str, work: Path, events: int) -> dict:
    """One stage in a fresh process: its seconds, peak RSS and what it reports."""
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, __file__, "--stage", name, "--work", str(work), "--events", str(events)],
        check=True, capture_output=True, text=True,
    )
    return {"seconds": round(time.perf_counter() - started, 2), **json.loads(out.stdout.strip().splitlines()[-1])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--stage", choices=STAGES, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        sys.path.insert(0, str(ROOT))
        print(json.dumps({**STAGES[args.stage](args.work, args.events), "peak_rss_mib": _peak_mib()}))
        return
    with tempfile.TemporaryDirectory(prefix="bench_pipeline_") as tmp:
        result = {"bench": "pipeline", "target_events": args.events, "cpus": os.cpu_count(),
                  "python": platform.python_version()}
        for name in STAGES:
            result[name] = run_stage(name, Path(tmp), args.events)
            print(name, result[name], flush=True)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a") as f:
        f.write(json.dumps(result, sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
