"""Load Feast's online store in bulk: the rows `FeatureStore.materialize` writes, without its per-value Python.

Feast's materialization converts every value to a protobuf through generic type dispatch, one
row at a time (bench/README.md: where the time went). Here each view's latest rows come from one
DuckDB query over its parquet source, each distinct value is encoded once, and the store gets one
batched write: SQLite's entity rows (`feature_repo.entity_rows`) in one `executemany`, Redis'
hashes in one pipeline. What lands is byte for byte what Feast's materialization writes through
the same store (tests/features), and the window is recorded in the registry as Feast records it.
"""

from __future__ import annotations

from datetime import datetime

import duckdb
import numpy as np

from feature_repo import entity_rows
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


def _encoded(store, view, latest) -> tuple[list[bytes], list[int], dict[str, list[bytes]]]:
    """Per row: the serialized entity key, the event time in epoch microseconds, and per feature the serialized
    `Value`."""
    if len(view.entity_columns) != 1 or str(view.entity_columns[0].dtype) != "String":
        raise TypeError(f"feature view {view.name}: the bulk loader writes views keyed by one string entity")
    keys = entity_rows.string_keys(store.config, view.join_keys[0], latest.column("entity").to_pylist())
    values = {f.name: _protos(latest.column(f.name).to_pylist(), _value_field(view, f)) for f in view.features}
    return keys, latest.column("ts_us").to_pylist(), values


def _value_field(view, feature) -> str:
    name = str(feature.dtype)
    if name not in VALUE_FIELDS:
        raise TypeError(f"feature view {view.name}: {feature.name} is {name}; the bulk loader writes "
                        f"{', '.join(VALUE_FIELDS)}")
    return VALUE_FIELDS[name]


def _protos(column: list, field: str) -> list[bytes]:
    """The serialized `Value` of each value; null and NaN are the empty Value, as in Feast."""
    from feast.protos.feast.types.Value_pb2 import Value

    empty = Value().SerializeToString()
    if field == "double_val":
        return _doubles(np.asarray(column, dtype="float64"), empty)
    encoded: dict = {}
    return [empty if value is None or value != value
            else encoded.get(value) or encoded.setdefault(value, Value(**{field: value}).SerializeToString())
            for value in column]


def _doubles(values: np.ndarray, empty: bytes) -> list[bytes]:
    """`_protos` for doubles, mostly distinct: the wire bytes of `Value(double_val=x)` are its field tag (5, 64-bit)
    and x little-endian, packed for the whole column at once."""
    packed = np.empty(len(values), dtype=[("tag", "u1"), ("value", "<f8")])
    packed["tag"], packed["value"] = 5 << 3 | 1, values
    wire = packed.tobytes()
    return [empty if x != x else wire[9 * i:9 * i + 9] for i, x in enumerate(values.tolist())]


def _write_sqlite(store, view, keys: list[bytes], stamps: list[int], values: dict[str, list[bytes]]) -> None:
    """One row per entity, as `EntityRowsOnlineStore.online_write_batch` writes it."""
    features = entity_rows.pack([entity_rows.entries(name, values[name]) for name in sorted(values)])
    entity_rows.write(store.config, view, list(zip(keys, stamps, [None] * len(keys), features, strict=True)))


def _write_redis(store, view, keys: list[bytes], stamps: list[int], values: dict[str, list[bytes]]) -> None:
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
            stamp = Timestamp(seconds=stamps[i] // 1_000_000, nanos=stamps[i] % 1_000_000 * 1000)
            if previous is not None and _nanos(stamp) <= _nanos(Timestamp.FromString(previous)):
                continue
            pipe.hset(key, mapping={ts_field: stamp.SerializeToString(),
                                    **{fields[f]: column[i] for f, column in values.items()}})
        pipe.execute()


def _nanos(stamp) -> int:
    return stamp.seconds * 1_000_000_000 + stamp.nanos


_WRITERS = {entity_rows.TYPE: _write_sqlite, "redis": _write_redis}
