"""Benchmark simulate(): events/s and peak RSS at about --events events over --days days.

    python bench/bench_simulator.py --events 1000000

Calibrates events per user from a small run, times one full run into a temporary
directory, prints the result and appends it as a JSON line to bench/results/simulator.jsonl.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator import SimConfig, simulate  # noqa: E402

RESULTS = ROOT / "bench" / "results" / "simulator.jsonl"


def events_per_user(days: int, seed: int, workdir: Path) -> float:
    """Events per user over `days` days, measured on a 5 000-user run."""
    summary = simulate(SimConfig(users=5000, days=days, seed=seed), workdir / "calibrate")
    shutil.rmtree(workdir / "calibrate")
    return summary.events / summary.users


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", type=Path, default=None, help="write the output here instead of a temp dir")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench_sim_") as tmp:
        work = Path(tmp)
        per_user = events_per_user(args.days, args.seed, work)
        users = max(100, round(args.events / per_user))
        cfg = SimConfig(users=users, days=args.days, seed=args.seed)
        summary = simulate(cfg, args.keep or work / "out")
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    result = {
        "bench": "simulator", "target_events": args.events, "users": users, "days": args.days,
        **asdict(summary), "events_per_s": round(summary.events / summary.seconds),
        "peak_rss_mib": round(peak_kib / 1024, 1), "python": platform.python_version(),
        "machine": platform.machine(),
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a") as f:
        f.write(json.dumps(result, sort_keys=True) + "\n")
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
