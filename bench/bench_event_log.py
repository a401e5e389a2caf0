"""Benchmark the local Dagster event log: ms per event, Dagster's SQLite storage beside ours.

    python bench/bench_event_log.py --size 1500     # events per run; default: 1.5 k (a tiny-shop graph run)

A run's mix as the graph writes it: a third asset materializations (each also mirrored in the
index database), the rest step and log events. Stages: `dagster_sqlite` (SqliteEventLogStorage,
an engine and connection per event) and `local` (orchestration/event_log.py). Results go to
bench/results/event_log.jsonl.
"""

from __future__ import annotations

import time
from pathlib import Path

from stages import main


def _events(size: int) -> list:
    import dagster as dg
    from dagster._core.events import DagsterEvent, DagsterEventType, StepMaterializationData
    from dagster._core.events.log import EventLogEntry

    def entry(i: int) -> EventLogEntry:
        if i % 3:
            return EventLogEntry(error_info=None, level=20, user_message=f"step {i}", run_id="bench", timestamp=time.time())
        materialization = dg.AssetMaterialization(asset_key=f"mart_{i % 40}", partition=f"2024-01-{1 + i % 28:02d}")
        event = DagsterEvent(DagsterEventType.ASSET_MATERIALIZATION.value, job_name="bench",
                             event_specific_data=StepMaterializationData(materialization))
        return EventLogEntry(error_info=None, level=20, user_message="", run_id="bench", timestamp=time.time(),
                             job_name="bench", dagster_event=event)

    return [entry(i) for i in range(size)]


def _store(storage, size: int) -> dict:
    events = _events(size)
    started = time.perf_counter()
    for event in events:
        storage.store_event(event)
    seconds = time.perf_counter() - started
    stored = len(storage.get_records_for_run("bench", limit=size + 1).records)
    storage.dispose()
    return {"store_seconds": round(seconds, 3), "ms_per_event": round(1000 * seconds / size, 2), "stored": stored}


def stage_dagster_sqlite(work: Path, size: int) -> dict:
    from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

    return _store(SqliteEventLogStorage(str(work / "dagster_sqlite")), size)


def stage_local(work: Path, size: int) -> dict:
    from orchestration.event_log import LocalEventLogStorage

    return _store(LocalEventLogStorage(str(work / "local")), size)


if __name__ == "__main__":
    main(__file__, "event_log", {"dagster_sqlite": stage_dagster_sqlite, "local": stage_local}, [1500], __doc__, tiny=300)
