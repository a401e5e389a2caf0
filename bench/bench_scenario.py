"""Detection delay and false-alarm rate of the monitoring, from `shoplens scenario drift` over seeds.

    python bench/bench_scenario.py --seed 11 --seed 12     # default: seeds 11, 12, 13

Each seed runs the whole scenario (3,000 users, 12 clean days, 5 drifted days) in a fresh
process and data directory. Results go to bench/results/scenario.jsonl.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from stages import append_result

SHOPLENS = str(Path(sys.executable).parent / "shoplens")


def run(seed: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench_scenario_") as tmp:
        started = time.perf_counter()
        done = subprocess.run([SHOPLENS, "--data-dir", tmp, "scenario", "drift", "--seed", str(seed)],
                              capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"seed {seed} failed:\n{done.stderr[-3000:]}")
        result = json.loads((Path(tmp) / "scenarios" / "drift" / "scenario_drift.json").read_text())
    clean = [d for d in result["timeline"] if not d["drifting"]]
    return {
        "seed": seed,
        "seconds": round(time.perf_counter() - started, 1),
        "clean_days": len(clean),
        "false_alarms": sum(d["retrain"] for d in clean),
        "false_alarm_rate": result["false_alarm_rate"],
        "detection_delay_days": result["detection_delay_days"],
        "retrain_runs": len(result["retrain_runs"]),
        "max_clean_drift_share": max(d["share_drifted"] for d in clean),
        "min_drift_share_after": min(d["share_drifted"] for d in result["timeline"] if d["drifting"]),
        "promotion_decisions": result["promotion_decisions"],
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, action="append")
    args = parser.parse_args()
    for seed in args.seed or [11, 12, 13]:
        result = run(seed)
        print(json.dumps(result), flush=True)
        append_result("scenario", result)
