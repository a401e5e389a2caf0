"""The local event log: what Dagster's SQLite event log stores, read back by Dagster's own class and
by a watcher in another instance while the writer still holds its connections."""

import shutil
import threading
import time

import dagster as dg
from dagster._core.events.log import EventLogEntry
from dagster._core.storage.event_log.sqlite.sqlite_event_log import SqliteEventLogStorage

from apps.runner import prepare_dagster_home
from orchestration.event_log import OPEN_DATABASES, LocalEventLogStorage
from shoplens.settings import Settings


def _write(storage, run_id: str, count: int) -> None:
    for i in range(count):
        storage.store_event(EventLogEntry(error_info=None, level=20, user_message=f"event {i}", run_id=run_id,
                                          timestamp=time.time()))


def test_the_events_it_writes_are_what_dagsters_own_storage_reads(tmp_path):
    ours = LocalEventLogStorage(str(tmp_path))
    _write(ours, "run-a", 50)
    theirs = SqliteEventLogStorage(str(tmp_path))  # the writer's connections are still open
    messages = [r.event_log_entry.user_message for r in theirs.get_records_for_run("run-a", limit=100).records]
    assert messages == [f"event {i}" for i in range(50)]
    ours.dispose()


def test_after_closing_its_connections_the_databases_are_whole_files_to_copy(tmp_path):
    storage = LocalEventLogStorage(str(tmp_path / "log"))
    _write(storage, "run-c", 20)
    assert list((tmp_path / "log").glob("*.db-wal"))  # committed, not yet checkpointed
    storage.close_connections()
    assert not list((tmp_path / "log").glob("*.db-wal"))
    copy = shutil.copytree(tmp_path / "log", tmp_path / "copy")
    assert len(SqliteEventLogStorage(str(copy)).get_records_for_run("run-c", limit=100).records) == 20
    _write(storage, "run-c", 1)  # and it goes on writing
    assert len(storage.get_records_for_run("run-c", limit=100).records) == 21


def test_only_the_newest_databases_stay_open(tmp_path):
    storage = LocalEventLogStorage(str(tmp_path))
    for run in range(OPEN_DATABASES + 4):
        _write(storage, f"run-{run}", 1)
    assert len(storage._engines) == OPEN_DATABASES and f"run-{OPEN_DATABASES + 3}" in storage._engines
    _write(storage, "run-0", 1)  # a closed one opens again
    assert len(storage.get_records_for_run("run-0").records) == 2
    storage.wipe()
    assert set(storage._engines) <= {"index"} and not list(tmp_path.glob("run-*.db"))


def test_a_watcher_elsewhere_sees_new_events_before_any_checkpoint(tmp_path):
    writer, watcher = LocalEventLogStorage(str(tmp_path)), LocalEventLogStorage(str(tmp_path))
    _write(writer, "run-b", 1)
    seen, done = [], threading.Event()

    def callback(entry, cursor):
        seen.append(entry.user_message)
        if len(seen) == 6:
            done.set()

    watcher.watch("run-b", None, callback)
    _write(writer, "run-b", 5)
    assert done.wait(timeout=20), seen
    assert seen == ["event 0", "event 0", "event 1", "event 2", "event 3", "event 4"]
    watcher.dispose()
    writer.dispose()


def test_the_local_profiles_instance_uses_it(tmp_path):
    with dg.DagsterInstance.from_config(str(prepare_dagster_home(Settings(data_dir=tmp_path)))) as instance:
        assert isinstance(instance.event_log_storage, LocalEventLogStorage)
        assert instance.event_log_storage._base_dir == str(tmp_path / "dagster" / "history" / "runs")
