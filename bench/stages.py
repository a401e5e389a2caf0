"""Run each benchmark stage in a fresh process, so its peak memory is its own."""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"


def peak_mib() -> float:
    """Peak RSS of this process or of its largest finished child (dbt runs as a child)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024, 1)


def run_stage(script: str, name: str, work: Path, size: int) -> dict:
    """One stage in a fresh process: its wall seconds, peak RSS and what it reports."""
    started = time.perf_counter()
    out = subprocess.run(
        [sys.executable, script, "--stage", name, "--work", str(work), "--size", str(size)],
        capture_output=True, text=True,
    )
    if out.returncode:
        sys.exit(f"stage {name} failed:\n{out.stderr[-3000:]}")
    return {"seconds": round(time.perf_counter() - started, 2), **json.loads(out.stdout.strip().splitlines()[-1])}


def main(script: str, bench: str, stages: dict[str, Callable[[Path, int], dict]], sizes: list[int], doc: str) -> None:
    """CLI shared by the benches: `--size N` runs every stage at N; results append to results/<bench>.jsonl."""
    import os
    import platform
    import tempfile

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--size", "--events", type=int, action="append", help=f"default: {sizes}")
    parser.add_argument("--stage", choices=stages, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        sys.path.insert(0, str(ROOT))
        print(json.dumps({**stages[args.stage](args.work, args.size[0]), "peak_rss_mib": peak_mib()}))
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    for size in args.size or sizes:
        result = {"bench": bench, "size": size, "cpus": os.cpu_count(), "python": platform.python_version()}
        with tempfile.TemporaryDirectory(prefix=f"bench_{bench}_") as tmp:
            for name in stages:
                result[name] = run_stage(script, name, Path(tmp), size)
                print(size, name, result[name], flush=True)
        with (RESULTS / f"{bench}.jsonl").open("a") as f:
            f.write(json.dumps(result, sort_keys=True) + "\n")
