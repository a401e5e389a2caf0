"""`make bench`: every benchmark, then bench/results/<date>.json and the generated tables of bench/README.md.

    python bench/run_all.py                      # every script at its default sizes, 3 runs (1 from 10 M events)
    python bench/run_all.py --max-size 1000000   # leave out sizes above 1 M
    python bench/run_all.py --only scale --only tutorial
    python bench/run_all.py --tiny --results DIR # the smoke test: each sized script once at a tiny size
    python bench/run_all.py --report TAG         # only the day's file and tables, from a run's results
    python bench/run_all.py --report OLD --report NEW   # several runs: of each bench and size, the last tag's

A run's results are tagged (SHOPLENS_BENCH_TAG; a new tag unless it is set): scripts run by hand
under the same tag add to it, and `--report TAG` rewrites the file and the tables with them.

Results elsewhere than bench/results get their tables in DIR/README.md, not in bench/README.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

# scripts on stages.main (sizes, --repeats, --tiny), then those with a CLI of their own (one run each)
SIZED = ["pipeline", "daily_features", "features", "event_log", "definitions", "training", "monitoring", "recommender",
         "recommender_quality", "clv_segments", "clv_quality", "sentiment", "session_risk", "tutorial", "scale", "team",
         "spark"]
SINGLE = ["damaged", "model_quality", "scenario", "serving"]
MINUTES_AT_ANY_SIZE = {"model_quality", "scenario", "serving"}  # left out at --tiny
VERSIONS = ["dagster", "dbt-core", "dbt-duckdb", "duckdb", "feast", "mlflow", "evidently", "xgboost-cpu", "scikit-learn", "pandas"]


def _memory_gib() -> float:
    import psutil

    return round(psutil.virtual_memory().total / 2**30, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", choices=SIZED + SINGLE, help="these benches only (repeatable)")
    parser.add_argument("--repeats", type=int, default=3, help="runs per size (default 3; 1 from 10 M events)")
    parser.add_argument("--max-size", type=int, help="leave out default sizes above this")
    parser.add_argument("--tiny", action="store_true", help="each sized script once at a tiny size (the smoke test)")
    parser.add_argument("--results", type=Path, default=HERE / "results", help="where the results go (default bench/results)")
    parser.add_argument("--report", metavar="TAG", action="append",
                        help="run nothing: the file and tables from this run's results (repeatable: later tags win)")
    args = parser.parse_args()
    results = args.results.resolve()
    chosen = [b for b in SIZED + SINGLE if not args.only or b in args.only]
    if args.report:
        write(results, args.report, args, chosen, [])
        return
    tag = os.environ.get("SHOPLENS_BENCH_TAG") or f"{datetime.now(UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"
    print(f"bench run {tag}", flush=True)
    env = {**os.environ, "SHOPLENS_BENCH_RESULTS": str(results), "SHOPLENS_BENCH_TAG": tag}
    skipped = [b for b in chosen if args.tiny and b in MINUTES_AT_ANY_SIZE]
    for bench in (b for b in chosen if b not in skipped):
        flags = ([] if bench in SINGLE else ["--tiny"] if args.tiny else
                 ["--repeats", str(args.repeats), *(["--max-size", str(args.max_size)] if args.max_size else [])])
        print(f"== {bench} {' '.join(flags)}", flush=True)
        subprocess.run([sys.executable, str(HERE / f"bench_{bench}.py"), *flags], check=True, env=env)
    write(results, [tag], args, chosen, skipped)


def write(results: Path, tags: list[str], args: argparse.Namespace, chosen: list[str], skipped: list[str]) -> None:
    import json

    import report
    from report import plot_scale, read_run, render, summarise, write_readme

    results.mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    summary = summarise(read_run(results, tags))
    sizes = ", ".join(f"{bench} at {' / '.join(sorted(runs, key=report.size_key))}" for bench, runs in sorted(summary.items()))
    scope = ("tiny sizes (smoke test): " if args.tiny else "") + sizes + (
        f" (left out at this size: {', '.join(skipped)})" if skipped else "")
    run = {"date": f"{now:%Y-%m-%d}", "tag": " ".join(tags), "file": f"{now:%Y-%m-%d}.json", "scope": scope,
           "machine": {"cpus": os.cpu_count(), "memory_gib": _memory_gib(), "platform": platform.platform(terse=True),
                       "python": platform.python_version()},
           "versions": {name: version(name) for name in VERSIONS}, "benches": summary}
    (results / run["file"]).write_text(json.dumps(run, indent=1, sort_keys=True) + "\n")
    plot = plot_scale(summary, results / "scale_curve.png")
    readme = HERE / "README.md" if results == (HERE / "results").resolve() else results / "README.md"
    write_readme(readme, render(run, plot))
    print(f"wrote {results / run['file']} and the tables in {readme}")


if __name__ == "__main__":
    main()
