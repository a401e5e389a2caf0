"""Benchmark the monitoring reports: time and peak memory of one Evidently drift report.

    python bench/bench_monitoring.py --size 10000     # rows of current and of reference; default: 10 k then 1 M

Synthetic feature rows in the shape of `monitored_users`: 30 features (counts, amounts, rates),
the current rows shifted on 6 of them. Stages: build the report (K-S per feature, as
`feature_drift_report` does), save its HTML, add it to an Evidently workspace.
Results go to bench/results/monitoring.jsonl.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from stages import main

FEATURES, SHIFTED = 30, 6


def _rows(size: int, shift: float, seed: int):
    import pandas as pd

    rng = np.random.default_rng(seed)
    columns = {}
    for i in range(FEATURES):
        bump = shift if i < SHIFTED else 0.0
        kind = i % 3
        columns[f"f{i}"] = (rng.poisson(3 * (1 + bump), size) if kind == 0
                            else rng.gamma(2.0, 10 * (1 + bump), size) if kind == 1
                            else rng.beta(2 + bump * 4, 5, size))
    return pd.DataFrame(columns)


def stage_generate(work: Path, size: int) -> dict:
    _rows(size, 0.3, 1).to_parquet(work / "current.parquet", index=False)
    _rows(size, 0.0, 2).to_parquet(work / "reference.parquet", index=False)
    return {"rows": size, "features": FEATURES}


def stage_report(work: Path, size: int) -> dict:
    import evidently.presets  # noqa: F401  (import once, ≈ 5 s, outside the timings)
    import pandas as pd

    from monitoring.drift import drift
    from monitoring.store import add_snapshot, save_report

    current, reference = pd.read_parquet(work / "current.parquet"), pd.read_parquet(work / "reference.parquet")
    started = time.perf_counter()
    result = drift(current, reference, list(current.columns))
    report_s = time.perf_counter() - started
    started = time.perf_counter()
    html, _ = save_report(work, "2024-01-01", "feature_drift_report", result.snapshot, result.summary())
    html_s = time.perf_counter() - started
    started = time.perf_counter()
    add_snapshot(work, "2024-01-01", "feature_drift_report", result.snapshot)
    workspace_s = time.perf_counter() - started
    return {"report_seconds": round(report_s, 2), "html_seconds": round(html_s, 2), "workspace_seconds": round(workspace_s, 2),
            "html_mib": round(html.stat().st_size / 2**20, 1), "drifted": len(result.drifted), "share": result.share}


if __name__ == "__main__":
    main(__file__, "monitoring", {"generate": stage_generate, "report": stage_report}, [10_000, 1_000_000], __doc__, tiny=2_000)
