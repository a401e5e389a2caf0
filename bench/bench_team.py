"""The team profile beside the local one: the team servers' start-up and memory, and `shoplens run` under each.

    python bench/bench_team.py --size 72000     # events; default: the demo shop's size (5,000 users)

The shop is bench_pipeline's with its oracles (as `shoplens demo` simulates it). `local` runs the graph on
the embedded stores; `team` starts PostgreSQL, Redis and the MLflow server with `shoplens team up` (their
start-up seconds, and each server's resident memory, children included, just after start and after the
run), runs the same graph under SHOPLENS_PROFILE=team, then stops them. Results go to bench/results/team.jsonl.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from bench_pipeline import stage_simulate_with_oracles
from stages import main


def _run(work: Path, data: Path, profile: str) -> float:
    """`shoplens run` over the simulated source under `profile`; its wall seconds."""
    from shoplens.settings import without_settings

    shoplens = Path(sys.executable).parent / "shoplens"
    env = {**without_settings(os.environ), "SHOPLENS_PROFILE": profile}
    started = time.perf_counter()
    subprocess.run([str(shoplens), "--data-dir", str(data), "run", "--source", f"canonical:{work / 'source'}",
                    "--no-pseudonymise"], check=True, stdout=subprocess.DEVNULL, env=env)
    return round(time.perf_counter() - started, 1)


def _server_mib(pids: dict[str, int]) -> dict[str, float]:
    import psutil

    def tree(pid: int) -> float:
        process = psutil.Process(pid)
        return sum(p.memory_info().rss for p in (process, *process.children(recursive=True))) / 2**20

    return {name: round(tree(pid), 1) for name, pid in pids.items()}


def stage_local(work: Path, events: int) -> dict:
    return {"run_seconds": _run(work, work / "local", "local")}


def stage_team(work: Path, events: int) -> dict:
    from apps import team
    from shoplens.settings import Settings

    work.chmod(0o755)  # the cluster runs as user postgres where the bench runs as root
    settings = Settings(data_dir=work / "team_data")
    servers = team.up(settings)
    try:
        started_mib = _server_mib(servers["pids"])
        seconds = _run(work, settings.data_dir, "team")
        return {"start_seconds": servers["start_seconds"], "server_mib_at_start": started_mib,
                "server_mib_after_run": _server_mib(servers["pids"]), "run_seconds": seconds}
    finally:
        team.down(settings)


STAGES = {"simulate": stage_simulate_with_oracles, "local": stage_local, "team": stage_team}

if __name__ == "__main__":
    main(__file__, "team", STAGES, [72_000], __doc__, tiny=20_000)
