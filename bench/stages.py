"""Run each benchmark stage in a fresh process, so its peak memory is its own; append results to one place.

`make bench` (bench/run_all.py) sets SHOPLENS_BENCH_RESULTS (where the JSON lines go) and
SHOPLENS_BENCH_TAG (which run of it a line belongs to).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(os.environ.get("SHOPLENS_BENCH_RESULTS", ROOT / "bench" / "results"))
SINGLE_RUN_FROM = 10_000_000  # sizes from here on run once, whatever --repeats says (said so in the results)


def append_result(bench: str, result: dict) -> None:
    """One JSON line in results/<bench>.jsonl, tagged with the `make bench` run it belongs to."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    tag = os.environ.get("SHOPLENS_BENCH_TAG")
    with (RESULTS / f"{bench}.jsonl").open("a") as f:
        f.write(json.dumps({**result, **({"tag": tag} if tag else {})}, sort_keys=True) + "\n")


def peak_mib() -> float:
    """Peak RSS of this process or of its largest finished child (dbt runs as a child)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return round(max(own, children) / 1024, 1)


@contextmanager
def redis_server() -> Iterator[str | None]:
    """A throwaway redis-server on 127.0.0.1 and a free port (None where none is installed), stopped after."""
    binary = shutil.which("redis-server")
    if binary is None:
        yield None
        return
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
                               stdout=subprocess.DEVNULL)
    try:
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=10)


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


def main(script: str, bench: str, stages: dict[str, Callable[[Path, int], dict]], sizes: list[int], doc: str,
         tiny: int | None = None) -> None:
    """CLI shared by the benches: `--size N` runs every stage at N (`--tiny`: at `tiny`, for the smoke test),
    `--repeats R` times (once from SINGLE_RUN_FROM on); each run appends one line to results/<bench>.jsonl."""
    import platform
    import tempfile

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--size", "--events", type=int, action="append", help=f"default: {sizes}")
    parser.add_argument("--tiny", action="store_true", help=f"one tiny size ({tiny}) to check the script runs")
    parser.add_argument("--max-size", type=int, help="leave out default sizes above this")
    parser.add_argument("--repeats", type=int, default=1, help="runs per size (default 1)")
    parser.add_argument("--stage", choices=stages, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        sys.path.insert(0, str(ROOT))
        print(json.dumps({**stages[args.stage](args.work, args.size[0]), "peak_rss_mib": peak_mib()}))
        return
    chosen = [tiny or min(sizes)] if args.tiny else args.size or [s for s in sizes if s <= (args.max_size or s)]
    for size in chosen:
        runs = 1 if size >= SINGLE_RUN_FROM else args.repeats
        for repeat in range(runs):
            result = {"bench": bench, "size": size, "cpus": os.cpu_count(), "python": platform.python_version(),
                      "repeat": repeat + 1, "runs": runs}
            with tempfile.TemporaryDirectory(prefix=f"bench_{bench}_") as tmp:
                for name in stages:
                    result[name] = run_stage(script, name, Path(tmp), size)
                    print(size, name, result[name], flush=True)
            append_result(bench, result)
