"""The local profile's Dagster event log: Dagster's SQLite one, its connections kept open.

Dagster's SqliteEventLogStorage makes an engine and a connection for every event it writes, and
closing the last connection of a WAL database checkpoints it, with an fsync: ≈ 10 ms an event
here, and a graph run on the tiny shop writes ≈ 1,500 events (a materialization per daily mart
and day). This one keeps an engine per database (the newest few), commits with
`synchronous=NORMAL` (in WAL mode, SQLite's documented setting that survives a crash of the
process, not of the machine) and leaves checkpoints to SQLite: ≈ 1.5 ms an event
(bench/bench_event_log.py). The UI, which watches a run's database for new events, watches its
write-ahead log as well.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from dagster._core.storage.event_log.sqlite.sqlite_event_log import (
    SQLITE_BUSY_TIMEOUT_SECONDS,
    SqliteEventLogStorage,
    SqliteEventLogStorageWatchdog,
)
from watchdog.events import FileSystemEvent, PatternMatchingEventHandler
from watchdog.observers import Observer

OPEN_DATABASES = 8  # the index and the runs being written or watched; older engines are closed


def _synchronous_normal(connection, _record) -> None:
    connection.execute("pragma synchronous=normal")


class LocalEventLogStorage(SqliteEventLogStorage):
    def __init__(self, base_dir: str, inst_data=None):
        self._engines: OrderedDict[str, sa.Engine] = OrderedDict()
        super().__init__(base_dir, inst_data)

    @classmethod
    def from_config_value(cls, inst_data, config_value) -> LocalEventLogStorage:
        return cls(inst_data=inst_data, **config_value)

    @contextmanager
    def _connect(self, shard: str) -> Iterator[sa.Connection]:
        with self._db_lock, self._engine(shard).connect() as connection, connection.begin():
            yield connection

    def _engine(self, shard: str) -> sa.Engine:
        if shard in self._engines:
            self._engines.move_to_end(shard)
            return self._engines[shard]
        engine = sa.create_engine(self.conn_string_for_shard(shard), connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
        sa.event.listen(engine, "connect", _synchronous_normal)
        if shard not in self._initialized_dbs:
            self._initdb(engine)
            self._initialized_dbs.add(shard)
        self._engines[shard] = engine
        while len(self._engines) > OPEN_DATABASES:
            self._engines.popitem(last=False)[1].dispose()
        return engine

    def close_connections(self) -> None:
        """Before this process opens the database files as files (to copy them): closing a file drops every
        POSIX lock the process holds on it, SQLite's too, and another process would then checkpoint and
        delete the write-ahead logs under the open connections."""
        while self._engines:
            self._engines.popitem()[1].dispose()

    def wipe(self) -> None:
        self.close_connections()  # before the run databases are deleted
        super().wipe()

    def dispose(self) -> None:
        self.close_connections()
        super().dispose()

    def watch(self, run_id: str, cursor: str | None, callback) -> None:
        if not self._obs:
            self._obs = Observer()
            self._obs.start()
        watchdog = _RunWatchdog(self, run_id, callback, cursor)
        self._watchers[run_id][callback] = (watchdog, self._obs.schedule(watchdog, self._base_dir, recursive=True))


class _RunWatchdog(SqliteEventLogStorageWatchdog):
    """New events of a run: its database or its write-ahead log changed."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        PatternMatchingEventHandler.__init__(self, patterns=[self._log_path, f"{self._log_path}-wal"])

    def on_modified(self, event: FileSystemEvent) -> None:
        self._process_log()
