"""Benchmark one daily partition of `user_features_daily` on a long history, beside its full build.

    python bench/bench_daily_features.py --size 1000000     # events over 60 days; default: 1 M

A day's run reads its own day, the 30-day look-back of the rolling features and the year of
purchases of the buying-cycle features; it must not cost what the whole history costs.
Stages: simulate, land, a full `dbt run` of the model and its parents, then the newest day
alone (`--vars` window) three times, beside a raw DuckDB group-by over the same events.
Seconds are dbt's own execution time of the model (run_results.json), start-up excluded.
Results append to bench/results/daily_features.jsonl.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

from bench_pipeline import stage_groupby, stage_land, stage_simulate
from stages import ROOT, main

MODEL = "user_features_daily"


def _with_data_dir(work: Path, args: tuple[str, ...]) -> list[str]:
    """args with the data directory added to their --vars (or as the only var)."""
    args = list(args)
    if "--vars" not in args:
        return [*args, "--vars", json.dumps({"data_dir": str(work)})]
    at = args.index("--vars") + 1
    args[at] = json.dumps({**json.loads(args[at]), "data_dir": str(work)})
    return args


def _dbt_run(work: Path, *args: str) -> float:
    """`dbt run` of MODEL (and what args add); the model's execution seconds."""
    dbt = Path(sys.executable).parent / "dbt"
    target = work / "dbt_target"
    subprocess.run(
        [str(dbt), "run", "--project-dir", str(ROOT / "dbt_project"), "--profiles-dir", str(ROOT / "dbt_project"),
         "--target-path", str(target), *_with_data_dir(work, args)],
        check=True, stdout=subprocess.DEVNULL, env=os.environ,
    )
    results = json.loads((target / "run_results.json").read_text())["results"]
    return next(r["execution_time"] for r in results if r["unique_id"].endswith(f".{MODEL}"))


def stage_full(work: Path, events: int) -> dict:
    return {"model_seconds": round(_dbt_run(work, "--select", f"+{MODEL}"), 2)}


def stage_one_day(work: Path, events: int) -> dict:
    import duckdb

    with duckdb.connect(str(work / "warehouse.duckdb"), read_only=True) as con:
        day = con.execute(f"select max(feature_date) from {MODEL}").fetchone()[0]
    window = json.dumps({"start_date": str(day), "end_date": str(day)})
    runs = [_dbt_run(work, "--select", MODEL, "--vars", window) for _ in range(3)]
    return {"day": str(day), "model_seconds_median": round(statistics.median(runs), 2), "runs": [round(r, 2) for r in runs]}


STAGES = {"simulate": stage_simulate, "land": stage_land, "full_build": stage_full, "one_day": stage_one_day,
          "duckdb_groupby": stage_groupby}

if __name__ == "__main__":
    main(__file__, "daily_features", STAGES, [1_000_000], __doc__, tiny=20_000)
