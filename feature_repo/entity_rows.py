"""Feast's SQLite online store with one row per entity and feature view, instead of one per feature.

Feast's own SQLite store writes a row per feature value (35 for a user of `user_activity`), each
kept in a primary key and a second index; that layout caps loading near 3,700 users/s here
(bench/README.md). This store keeps the same values, Feast's `Value` protos, as one
`feast.types.Map` blob per entity: a WITHOUT ROWID table of (entity_key, event_us, created_us,
features) keyed by Feast's serialized entity key. `entries` and `pack` are the one encoder: Feast's
materialization reaches them through `online_write_batch`, `ml.online_load`'s bulk writer directly.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

from feast.infra.key_encoding_utils import serialize_entity_key
from feast.infra.online_stores.helpers import compute_table_id
from feast.infra.online_stores.online_store import OnlineStore
from feast.protos.feast.types.Value_pb2 import Map
from feast.repo_config import FeastConfigBaseModel
from pydantic import StrictStr

from shoplens.ingest.sql import ident

TYPE = "feature_repo.entity_rows.EntityRowsOnlineStore"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class EntityRowsOnlineStoreConfig(FeastConfigBaseModel):
    type: Literal["feature_repo.entity_rows.EntityRowsOnlineStore"] = TYPE
    path: StrictStr = "data/online.db"


class EntityRowsOnlineStore(OnlineStore):
    """Feast's online store interface over the entity-row tables (`type: {TYPE}` in feature_store.yaml)."""

    def online_write_batch(self, config, table, data, progress: Callable[[int], Any] | None) -> None:
        rows = [(_key(config, entity_key), micros(event_ts), created_ts and micros(created_ts),
                 pack([entries(name, [values[name].SerializeToString()]) for name in sorted(values)])[0])
                for entity_key, values, event_ts, created_ts in data]
        write(config, table, rows)
        if progress:
            progress(len(rows))

    def online_read(self, config, table, entity_keys, requested_features: list[str] | None = None) -> list[tuple]:
        keys = [_key(config, k) for k in entity_keys]
        with closing(_connect(config)) as con:
            found = {key: (us, features) for key, us, features in read(con, config, table, keys)}
        result = []
        for key in keys:
            if key not in found:
                result.append((None, None))
                continue
            us, features = found[key]
            values = Map.FromString(features).val
            wanted = values if requested_features is None else [n for n in requested_features if n in values]
            result.append((EPOCH + timedelta(microseconds=us), {n: values[n] for n in wanted}))
        return result

    def update(self, config, tables_to_delete: Sequence, tables_to_keep: Sequence, entities_to_delete: Sequence,
               entities_to_keep: Sequence, partial: bool) -> None:
        with closing(_connect(config)) as con, con:
            for view in tables_to_keep:
                con.execute(f"create table if not exists {table_name(config, view)} (entity_key blob primary key, "
                            "event_us integer not null, created_us integer, features blob not null) without rowid")
            for view in tables_to_delete:
                con.execute(f"drop table if exists {table_name(config, view)}")

    def teardown(self, config, tables: Sequence, entities: Sequence) -> None:
        Path(config.online_store.path).unlink(missing_ok=True)


def table_name(config, view) -> str:
    """The quoted table of a feature view: Feast's table id plus `__rows`, so that it never meets a table of Feast's
    own layout in the same file."""
    return ident(compute_table_id(config.project, view, config.registry.enable_online_feature_view_versioning) + "__rows")


def entry_head(name: str, value_size: int) -> bytes:
    """The wire bytes before a serialized `Value` of `value_size` bytes in its `Map.val` entry named `name`."""
    key = name.encode()
    inner = b"\x0a" + _varint(len(key)) + key + b"\x12" + _varint(value_size)
    return b"\x0a" + _varint(len(inner) + value_size) + inner


def entries(name: str, values: list[bytes]) -> list[bytes]:
    """Each serialized `Value` as one `Map.val` entry named `name`."""
    heads = {size: entry_head(name, size) for size in set(map(len, values))}
    return [heads[len(v)] + v for v in values]


def pack(columns: list[list[bytes]]) -> list[bytes]:
    """Each entity's features blob from per-feature columns of entries (`entries`), given in feature-name order."""
    return list(map(b"".join, zip(*columns, strict=True)))


def write(config, view, rows: list[tuple[bytes, int, int | None, bytes]]) -> None:
    """Upsert (entity_key, event_us, created_us, features) rows, in key order for the B-tree's sake."""
    rows.sort(key=lambda row: row[0])
    with closing(_connect(config)) as con, con:
        con.executemany(
            f"insert into {table_name(config, view)} (entity_key, event_us, created_us, features) values (?, ?, ?, ?) "
            "on conflict(entity_key) do update set event_us = excluded.event_us, created_us = excluded.created_us, "
            "features = excluded.features",
            rows,
        )


def read(con: sqlite3.Connection, config, view, keys: list[bytes]) -> list[tuple[bytes, int, bytes]]:
    """The stored (entity_key, event_us, features) of those keys the view's table holds."""
    return con.execute(f"select entity_key, event_us, features from {table_name(config, view)} "
                       f"where entity_key in ({','.join('?' * len(keys))})", keys).fetchall()


def string_keys(config, join_key: str, ids: list[str]) -> list[bytes]:
    """Feast's serialized entity keys of string ids under one join key: its serialization of the empty id, whose
    last four bytes (the value's length, 0) give way to each id's length and bytes."""
    from feast.protos.feast.types.EntityKey_pb2 import EntityKey
    from feast.protos.feast.types.Value_pb2 import Value

    head = _key(config, EntityKey(join_keys=[join_key], entity_values=[Value(string_val="")])).removesuffix(bytes(4))
    encoded = [i.encode() for i in ids]
    return [head + len(e).to_bytes(4, "little") + e for e in encoded]


def micros(ts: datetime) -> int:
    """Epoch microseconds of a timestamp (naive: UTC, as Feast reads it)."""
    ts = ts if ts.tzinfo else ts.replace(tzinfo=UTC)
    return (ts - EPOCH) // timedelta(microseconds=1)


def _key(config, entity_key) -> bytes:
    return serialize_entity_key(entity_key, entity_key_serialization_version=config.entity_key_serialization_version)


def _connect(config) -> sqlite3.Connection:
    path = Path(config.online_store.path)
    path.parent.mkdir(parents=True, exist_ok=True)
    return sqlite3.connect(path, timeout=30)


def _varint(n: int) -> bytes:
    out = bytearray()
    while n > 0x7F:
        out.append(n & 0x7F | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)
