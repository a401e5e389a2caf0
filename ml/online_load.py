"""Load Feast's online store in bulk: the rows `FeatureStore.materialize` writes, without its per-value Python.

Feast's materialization converts every value to a protobuf through generic type dispatch and
writes SQLite one statement per value (bench/README.md: where the time went). Here each view's
latest rows come from one DuckDB query over its parquet source, each distinct value is encoded
once, and the store gets one batched write: SQLite's rows in key order in one `executemany`,
Redis' hashes in one pipeline. What lands is byte for byte what Feast writes (tests/features),
and the window is recorded in the registry as Feast records it.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

import duckdb
import numpy as np

from shoplens.ingest.sql import ident

# Feast value field per declared feature type (what its type map writes)
VALUE_FIELDS = {"Int64": "int64_val", "Int32": "int32_val", "Float64": "double_val", "Float32": "float_val",
                "String": "string_val", "Bool": "bool_val"}


def materialize(store, start: datetime, end: datetime, views: list[str] | None = None) -> dict[str, int]:
    """Write each online batch feature view's latest row per entity stamped in [start, end] (both ends
    included, as Feast does), then record the window in the registry; returns the entities written per view.
    Online stores without a bulk writer here, and views whose source maps or versions its columns, get
    Feast's own materialization."""
    writer = _WRITERS.get(store.config.online_store.type)
    written = {}
    for view in store.list_feature_views():
        if not view.online or (views is not None and view.name not in views):
            continue
        source = view.batch_source
        if writer is None or source.field_mapping or source.created_timestamp_column or not hasattr(source, "path"):
            store.materialize(start_date=start, end_date=end, feature_views=[view.name])
            continue
        latest = _latest_rows(view, start, end)
        if latest.num_rows:
            writer(store, view, *_encoded(store, view, latest))
        store.registry.apply_materialization(view, store.project, start, end)
        written[view.name] = latest.num_rows
    return written


def _latest_rows(view, start: datetime, end: datetime):
    """The newest source row per entity key stamped in the window, as an arrow table."""
    source = view.batch_source
    key, ts = ident(view.join_keys[0]), ident(source.timestamp_field)
    columns = ", ".join(ident(f.name) for f in view.features)
    with duckdb.connect() as con:
        return con.execute(
            f"select {key} as entity, epoch_us({ts}) as ts_us, {columns} from read_parquet(?) "
            f"where {ts} between ? and ? qualify row_number() over (partition by {key} order by {ts} desc) = 1",
            [source.path, start, end],
        ).to_arrow_table()


def _encoded(store, view, latest) -> tuple[list[bytes], list[datetime], dict[str, list[tuple]]]:
    """Serialized entity keys (sorted), event times, and per feature the (proto blob, text) of each row in that order."""
    from feast.infra.key_encoding_utils import serialize_entity_key
    from feast.protos.feast.types.EntityKey_pb2 import EntityKey
    from feast.protos.feast.types.Value_pb2 import Value

    if len(view.entity_columns) != 1 or str(view.entity_columns[0].dtype) != "String":
        raise TypeError(f"feature view {view.name}: the bulk loader writes views keyed by one string entity")
    version, join_keys = store.config.entity_key_serialization_version, view.join_keys
    keys = [serialize_entity_key(EntityKey(join_keys=join_keys, entity_values=[Value(string_val=v)]),
                                 entity_key_serialization_version=version)
            for v in latest.column("entity").to_pylist()]
    order = sorted(range(len(keys)), key=keys.__getitem__)  # SQLite inserts in primary-key order
    stamps = _datetimes(latest.column("ts_us").to_pylist())
    values = {}
    for feature in view.features:
        column = latest.column(feature.name).to_pylist()
        values[feature.name] = _protos([column[i] for i in order], _value_field(view, feature))
    return [keys[i] for i in order], [stamps[i] for i in order], values


def _value_field(view, feature) -> str:
    name = str(feature.dtype)
    if name not in VALUE_FIELDS:
        raise TypeError(f"feature view {view.name}: {feature.name} is {name}; the bulk loader writes "
                        f"{', '.join(VALUE_FIELDS)}")
    return VALUE_FIELDS[name]


def _protos(column: list, field: str) -> list[tuple[bytes, str | None]]:
    """(serialized Value, Feast's value_text) per value; null and NaN are the empty Value, as in Feast."""
    from feast.infra.online_stores.helpers import extract_text_and_num
    from feast.protos.feast.types.Value_pb2 import Value

    empty = (Value().SerializeToString(), None)
    if field == "double_val":
        return _doubles(np.asarray(column, dtype="float64"), empty)
    encoded: dict = {}
    out = []
    for value in column:
        if value is None or value != value:
            out.append(empty)
            continue
        pair = encoded.get(value)
        if pair is None:
            proto = Value(**{field: value})
            pair = encoded[value] = (proto.SerializeToString(), extract_text_and_num(proto, False)[0])
        out.append(pair)
    return out


def _doubles(values: np.ndarray, empty: tuple) -> list[tuple[bytes, str | None]]:
    """`_protos` for doubles, mostly distinct: the wire bytes of `Value(double_val=x)` are its field tag (5, 64-bit)
    and x little-endian, packed for the whole column at once."""
    packed = np.empty(len(values), dtype=[("tag", "u1"), ("value", "<f8")])
    packed["tag"], packed["value"] = 5 << 3 | 1, values
    wire = packed.tobytes()
    texts = map(str, values.tolist())
    return [empty if x != x else (wire[9 * i:9 * i + 9], text) for i, (x, text) in enumerate(zip(values.tolist(), texts))]


def _datetimes(micros: list[int]) -> list[datetime]:
    from datetime import UTC, timedelta

    epoch, seen = datetime(1970, 1, 1, tzinfo=UTC), {}
    return [seen.get(us) or seen.setdefault(us, epoch + timedelta(microseconds=us)) for us in micros]


def _write_sqlite(store, view, keys: list[bytes], stamps: list[datetime], values: dict[str, list[tuple]]) -> None:
    """Upsert the rows of Feast's SQLite table (entity_key, feature_name, value, value_text, event_ts, created_ts)."""
    from feast.infra.online_stores.helpers import compute_table_id
    from feast.infra.online_stores.sqlite import adapt_datetime_epoch
    from feast.utils import to_naive_utc

    config = store.config
    if config.online_store.vector_enabled or getattr(config.online_store, "enable_openai_compatible_store", False):
        raise ValueError("the bulk loader writes plain SQLite online stores (no vector or value_num columns)")
    table = compute_table_id(config.project, view, config.registry.enable_online_feature_view_versioning)
    epochs = [adapt_datetime_epoch(to_naive_utc(ts)) for ts in stamps]
    names = sorted(values)
    rows = ((key, name, *values[name][i], epochs[i]) for i, key in enumerate(keys) for name in names)
    with sqlite3.connect(config.online_store.path, timeout=30) as con:
        con.executemany(
            f"insert into {ident(table)} (entity_key, feature_name, value, value_text, event_ts, created_ts) "
            "values (?, ?, ?, ?, ?, null) on conflict(entity_key, feature_name) do update set "
            "value = excluded.value, value_text = excluded.value_text, event_ts = excluded.event_ts, created_ts = null",
            rows,
        )
    con.close()


def _write_redis(store, view, keys: list[bytes], stamps: list[datetime], values: dict[str, list[tuple]]) -> None:
    """Feast's Redis layout: a hash per entity, murmur-hashed field names and an event time field; a stored row
    as new or newer than the incoming one is kept, as Feast keeps it."""
    from feast.infra.online_stores.helpers import _mmh3, compute_versioned_name
    from google.protobuf.timestamp_pb2 import Timestamp

    config = store.config
    if config.online_store.key_ttl_seconds:
        raise ValueError("the bulk loader writes Redis keys without a TTL (key_ttl_seconds is set)")
    name = compute_versioned_name(view, config.registry.enable_online_feature_view_versioning)
    ts_field = f"_ts:{name}"
    fields = {feature: _mmh3(f"{name}:{feature}") for feature in values}
    redis_keys = [key + config.project.encode() for key in keys]
    client = store._get_provider().online_store._get_client(config.online_store)  # the store's own connection settings
    with client.pipeline(transaction=False) as pipe:
        for key in redis_keys:
            pipe.hget(key, ts_field)
        stored = pipe.execute()
        for i, (key, previous) in enumerate(zip(redis_keys, stored, strict=True)):
            stamp = Timestamp()
            stamp.FromDatetime(stamps[i])
            if previous is not None and _nanos(stamp) <= _nanos(Timestamp.FromString(previous)):
                continue
            pipe.hset(key, mapping={ts_field: stamp.SerializeToString(),
                                    **{fields[f]: column[i][0] for f, column in values.items()}})
        pipe.execute()


def _nanos(stamp) -> int:
    return stamp.seconds * 1_000_000_000 + stamp.nanos


_WRITERS = {"sqlite": _write_sqlite, "redis": _write_redis}
