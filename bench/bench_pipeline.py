"""Benchmark the foundation at a given size: simulate, land, dbt build, beside a raw DuckDB group-by.

    python bench/bench_pipeline.py --size 1000000     # events; default: 1 M then 10 M

The shop is simulated without the cutoffs' oracles (dbt reads no ground truth; bench_scale's
shops have them). Each stage runs in its own process so its peak memory is its own (dbt's peak
is the dbt process). Results are printed and appended as one JSON line to bench/results/pipeline.jsonl.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from stages import ROOT, main

EVENTS_PER_USER = 14.4  # the default shop: 72,210 events from 5,000 users over 60 days


def simulate_shop(work: Path, events: int, oracles: bool) -> dict:
    """The default shop at about `events` events; `oracles` adds the cutoffs' Monte Carlo ground truth."""
    from simulator import SimConfig, simulate

    cfg = SimConfig(users=max(100, round(events / EVENTS_PER_USER)), days=60, seed=7, oracles=oracles)
    summary = simulate(cfg, work / "source")
    return {"events": summary.events, "users": summary.users, "oracles": oracles,
            "events_per_s": round(summary.events / summary.seconds)}


def stage_simulate(work: Path, events: int) -> dict:
    """Events only: dbt reads no ground truth (the same events as with the oracles, in a fraction of the time)."""
    return simulate_shop(work, events, oracles=False)


def stage_simulate_with_oracles(work: Path, events: int) -> dict:
    """For the benches that put models beside the oracle (scale, tutorial)."""
    return simulate_shop(work, events, oracles=True)


def stage_land(work: Path, events: int) -> dict:
    from shoplens.ingest import export_event_days, export_tables, land, parse_source

    report = land(parse_source(f"canonical:{work / 'source'}"), work / "landing.duckdb")
    export_event_days(work / "landing.duckdb", work / "raw", report.event_days)
    export_tables(work / "landing.duckdb", work / "raw")
    return {"rows": report.rows["events"], "quarantined": report.rows["quarantine"]}


def stage_dbt(work: Path, events: int) -> dict:
    """`dbt build` with the settings' vars (SHOPLENS_DBT_MEMORY_LIMIT, the cap DuckDB spills at, included)."""
    from shoplens.settings import Settings

    dbt = Path(sys.executable).parent / "dbt"
    dbt_vars = Settings.from_env(data_dir=work).dbt_vars()
    args = ["build", "--project-dir", str(ROOT / "dbt_project"), "--profiles-dir", str(ROOT / "dbt_project"),
            "--target-path", str(work / "dbt_target"), "--exclude", "test_type:unit", "--vars", json.dumps(dbt_vars)]
    done = subprocess.run([str(dbt), *args], capture_output=True, text=True, env=os.environ)
    if done.returncode:
        raise SystemExit(f"dbt build failed under a {dbt_vars['memory_limit']} cap; its output ends:\n{done.stdout[-2000:]}")
    return {"memory_limit": dbt_vars["memory_limit"]}


def stage_groupby(work: Path, events: int) -> dict:
    """The yardstick: one DuckDB pass over the same events, per user and day counts."""
    import duckdb

    from shoplens.ingest.sql import lit

    rows = duckdb.sql(
        f"""
        select count(*) from (
            select user_id, cast(event_time as date) as day, count(*) filter (where event_type = 'view') as views,
                   count(*) filter (where event_type = 'purchase') as purchases, sum(price) as amount
            from read_parquet({lit(str(work / "raw" / "events" / "*" / "*.parquet"))}) group by all)
        """
    ).fetchone()[0]
    return {"user_days": rows}


STAGES = {"simulate": stage_simulate, "land": stage_land, "dbt_build": stage_dbt, "duckdb_groupby": stage_groupby}

if __name__ == "__main__":
    main(__file__, "pipeline", STAGES, [1_000_000, 10_000_000], __doc__, tiny=20_000)
