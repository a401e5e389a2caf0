"""The scale curve: `shoplens run` end to end (every asset, monitoring included) on a simulated shop.

    python bench/bench_scale.py --size 1000000     # events; default: 100 k, 1 M, 10 M

The shop is bench_pipeline's (users = events / 14.4, 60 days, seed 7), with its oracles. The run
is one process (Dagster runs its steps in process, dbt as a child): its resident memory, children
included, is sampled every 0.2 s, and each Dagster step's wall time and peak memory come from the step
boundaries in the run's own event log. Steps are grouped by their assets' Dagster group
(ingest, warehouse, features, training, ...). The models' headline metrics, their baselines and
the oracle are read back from MLflow for the quality table. Results go to bench/results/scale.jsonl.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench_pipeline import stage_simulate_with_oracles
from stages import main

SAMPLE_SECONDS = 0.2
MODELS = ("purchase_propensity", "churn", "demand_forecast", "recommender", "clv", "sentiment", "session_risk", "segments")


class TreeMemory:
    """Samples the resident memory of a process and its children in a thread: (seconds since start, MiB)."""

    def __init__(self, pid: int):
        import psutil

        self.process, self.samples, self.started = psutil.Process(pid), [], time.time()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        import psutil

        while not self._stop.is_set():
            try:
                tree = [self.process, *self.process.children(recursive=True)]
                rss = sum(p.memory_info().rss for p in tree if p.is_running())
            except psutil.Error:
                rss = 0
            self.samples.append((time.time(), rss / 2**20))
            self._stop.wait(SAMPLE_SECONDS)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def peak(self, start: float = 0.0, end: float = float("inf")) -> float:
        """Peak MiB between two unix times (the whole run by default)."""
        return round(max((mib for t, mib in self.samples if start <= t <= end), default=0.0), 1)


def _step_groups(settings) -> dict[str, str]:
    """Dagster op name and asset name -> the group of its assets (a step is an op; a check's step is named
    `<asset>_check_<check>`)."""
    from orchestration.definitions import build_definitions

    graph = build_definitions(settings).resolve_asset_graph()
    groups = {}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        groups.setdefault(node.assets_def.node_def.name, node.group_name)
        groups.setdefault(key.path[-1], node.group_name)
    return groups


def _steps(settings, memory: TreeMemory) -> list[dict]:
    """Every step of the run's jobs: job, step, group, seconds, peak MiB while it ran."""
    import dagster as dg

    from apps.runner import prepare_dagster_home

    instance = dg.DagsterInstance.from_config(str(prepare_dagster_home(settings)))
    groups = _step_groups(settings)
    steps = []
    for run in reversed(instance.get_runs()):
        for stat in instance.get_run_step_stats(run.run_id):
            if stat.start_time is None or stat.end_time is None:
                continue
            group = groups.get(stat.step_key) or groups.get(stat.step_key.split("_check_")[0], "other")
            steps.append({"job": run.job_name, "step": stat.step_key, "group": group,
                          "seconds": round(stat.end_time - stat.start_time, 2),
                          "peak_rss_mib": memory.peak(stat.start_time, stat.end_time)})
    return steps


def _grouped(steps: list[dict]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for step in steps:
        group = out.setdefault(step["group"], {"seconds": 0.0, "peak_rss_mib": 0.0, "steps": 0})
        group["seconds"] = round(group["seconds"] + step["seconds"], 2)
        group["peak_rss_mib"] = max(group["peak_rss_mib"], step["peak_rss_mib"])
        group["steps"] += 1
    return dict(sorted(out.items(), key=lambda item: -item[1]["seconds"]))


def _quality(settings) -> dict[str, dict]:
    """Every champion's MLflow metrics (the quality table picks its headline, baseline and oracle)."""
    from ml.tracking import champion

    champions = {model: champion(model, settings) for model in MODELS}
    return {model: {k: round(v, 4) for k, v in best.metrics.items()} for model, best in champions.items() if best}


def stage_e2e(work: Path, events: int) -> dict:
    """`shoplens run` over the simulated source; its steps, groups, peak memory and models' metrics."""
    import pyarrow.dataset as ds

    from shoplens.settings import Settings, without_settings

    data = work / "shoplens"
    shoplens = Path(sys.executable).parent / "shoplens"
    started = time.perf_counter()
    process = subprocess.Popen([str(shoplens), "--data-dir", str(data), "run", "--source", f"canonical:{work / 'source'}",
                                "--no-pseudonymise"], stdout=subprocess.DEVNULL, env=without_settings(os.environ))
    memory = TreeMemory(process.pid)
    code = process.wait()
    memory.stop()
    seconds = time.perf_counter() - started
    settings = Settings(data_dir=data)
    if code:
        raise SystemExit(f"shoplens run failed ({code}): see {settings.paths.log_file}")
    events = ds.dataset(work / "source" / "events").count_rows()
    steps = _steps(settings, memory)
    groups = _grouped(steps)
    return {"events": events, "run_seconds": round(seconds, 1), "run_peak_rss_mib": memory.peak(),
            "seconds_per_million_events": round(seconds / (events / 1e6), 1),
            "dominant_group": next(iter(groups), None), "groups": groups,
            "steps": sorted(steps, key=lambda s: -s["seconds"]), "quality": _quality(settings)}


STAGES = {"simulate": stage_simulate_with_oracles, "e2e": stage_e2e}

if __name__ == "__main__":
    main(__file__, "scale", STAGES, [100_000, 1_000_000, 10_000_000], __doc__, tiny=20_000)
