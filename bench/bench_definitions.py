"""Benchmark loading the Dagster definitions of a fresh data directory: with and without a parsed dbt manifest.

    python bench/bench_definitions.py          # no size: the project's own graph

Stages, each a fresh process on a fresh data directory: `imports` (the libraries the definitions import),
`first_load` (no manifest of this dbt project yet: `dbt parse` runs, as it did for every data directory
before the manifest was shared), `next_load` (the manifest parsed by `first_load`, another data directory).
Results go to bench/results/definitions.jsonl.
"""

from __future__ import annotations

import time
from pathlib import Path

from stages import main


def _load(work: Path, data_dir: str) -> dict:
    import orchestration.project

    orchestration.project.MANIFESTS = work / "manifests"  # this bench's own, not the repo's
    from apps.runner import Runner
    from shoplens.settings import Settings

    started = time.perf_counter()
    definitions = Runner(Settings(data_dir=work / data_dir)).definitions
    return {"load_seconds": round(time.perf_counter() - started, 2), "assets": len(definitions.resolve_all_asset_keys())}


def stage_imports(work: Path, size: int) -> dict:
    started = time.perf_counter()
    import dagster_dbt  # noqa: F401
    import feast  # noqa: F401

    import orchestration.definitions  # noqa: F401
    return {"import_seconds": round(time.perf_counter() - started, 2)}


def stage_first_load(work: Path, size: int) -> dict:
    import orchestration.definitions  # noqa: F401  (imports outside the timing)

    return _load(work, "first")


def stage_next_load(work: Path, size: int) -> dict:
    import orchestration.definitions  # noqa: F401

    return _load(work, "next")


if __name__ == "__main__":
    main(__file__, "definitions", {"imports": stage_imports, "first_load": stage_first_load, "next_load": stage_next_load},
         [1], __doc__, tiny=1)
