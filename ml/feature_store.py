"""The Feast store of a data directory: configure, apply, build training sets, serve online.

Everything Feast keeps lives under the data directory's `feast/`: the registry, the exported
feature sources, and the SQLite online store (or Redis when the settings name one); under the
team profile the registry is Feast's SQL registry in PostgreSQL and the online store Redis.
`OnlineReader` is the serving path: the rows of many entities in one read per feature view,
the on-demand transformations applied as `get_online_features` applies them.
"""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import yaml

from feature_repo import entity_rows
from feature_repo.data_sources import TABLES
from ml.catalogue import TRAINING_SETS
from shoplens.ingest.sql import lit
from shoplens.settings import Settings

PROJECT = "shoplens"


def online_store_config(settings: Settings) -> dict:
    """SQLite under the data directory (one row per entity: `feature_repo.entity_rows`), or the Redis the settings
    name (redis://host:port)."""
    if settings.online_store:
        return {"type": "redis", "connection_string": settings.online_store.removeprefix("redis://")}
    return {"type": entity_rows.TYPE, "path": str(settings.paths.feast / "online_store.db")}


def online_store_kind(store) -> str:
    """`sqlite` (ShopLens' one-row-per-entity SQLite store) or the Feast online store type."""
    kind = store.config.online_store.type
    return "sqlite" if kind == entity_rows.TYPE else kind


def registry_config(settings: Settings) -> str | dict:
    """A registry file under the data directory, or (team profile) Feast's SQL registry in PostgreSQL."""
    if settings.team:
        return {"registry_type": "sql", "path": settings.database_url("feast", driver="psycopg"), "cache_ttl_seconds": 60,
                "sqlalchemy_config_kwargs": {"pool_pre_ping": True}}
    return str(settings.paths.feast / "registry.db")


def has_registry(settings: Settings) -> bool:
    """Whether a run has applied the feature definitions (what serving needs before it starts)."""
    if not settings.team:
        return (settings.paths.feast / "registry.db").exists()
    return bool(open_store(settings).list_feature_views())


def write_store_yaml(settings: Settings) -> Path:
    """The data directory's feature_store.yaml (also what `feast -f <it>` and `feast ui` read)."""
    root = settings.paths.feast
    root.mkdir(parents=True, exist_ok=True)
    config = {
        "project": PROJECT,
        "provider": "local",
        "registry": registry_config(settings),
        "offline_store": {"type": "duckdb"},
        "online_store": online_store_config(settings),
        "entity_key_serialization_version": 3,
    }
    path = root / "feature_store.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def open_store(settings: Settings):
    """The data directory's FeatureStore, its yaml rewritten from the settings."""
    from feast import FeatureStore

    return FeatureStore(repo_path=str(settings.paths.feast), fs_yaml_file=write_store_yaml(settings))


def export_sources(settings: Settings, tables: tuple[str, ...] = TABLES) -> dict[str, int]:
    """Copy the feature marts to parquet with UTC microsecond timestamps (what Feast expects)."""
    out = settings.paths.feast_sources
    out.mkdir(parents=True, exist_ok=True)
    rows = {}
    with duckdb.connect(str(settings.paths.warehouse), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        for table in tables:
            target = out / f"{table}.parquet"
            con.execute(
                f"copy (select * replace (cast(feature_timestamp as timestamptz) as feature_timestamp) "
                f"from {table} order by feature_timestamp) to {lit(str(target))} (format parquet)"
            )
            rows[table] = con.execute(f"select count(*) from {table}").fetchone()[0]
    return rows


def definitions(settings: Settings) -> list:
    """Every Feast object ShopLens declares, reading the data directory's exported marts."""
    from feature_repo.repository import feature_objects

    return feature_objects(settings.paths.feast_sources)


def check_sources(store, objects: list) -> None:
    """Fail before `apply` when a feature view's source file lacks a declared column."""
    from feast import FeatureView

    for view in (o for o in objects if isinstance(o, FeatureView)):
        path = Path(view.batch_source.path)
        if not path.exists():
            raise FileNotFoundError(f"feature view {view.name}: source file {path} does not exist")
        columns = set(pq.read_schema(path).names)
        needed = [view.batch_source.timestamp_field, *view.join_keys, *(f.name for f in view.features)]
        missing = [c for c in needed if c not in columns]
        if missing:
            raise ValueError(f"feature view {view.name}: source {path} lacks column(s) {', '.join(missing)}")


def apply(store, objects: list) -> list:
    """Validate the sources, then register the objects; returns what was applied."""
    check_sources(store, objects)
    store.apply(objects)
    return objects


def labelled_entities(warehouse: Path, model: str, as_of: date | None = None) -> pd.DataFrame:
    """The entity dataframe of a model: (user_id, event_timestamp = cutoff, label), mature labels only.

    With `as_of`, only labels already known at the end of that day: cutoff + horizon <= as_of + 1 day.
    """
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return labelled_entities_in(con, model, as_of)


def labelled_entities_in(con: duckdb.DuckDBPyConnection, model: str, as_of: date | None = None) -> pd.DataFrame:
    """`labelled_entities` from the relation `labels` of the connection (a warehouse, or a registered frame)."""
    spec = TRAINING_SETS[model]
    entities = con.execute(
        f"select user_id, cutoff_timestamp as event_timestamp, {spec.label} from labels "
        f"where {spec.label} is not null and (?::date is null or cutoff_date + ? <= ?::date + 1) "
        "order by cutoff_timestamp, user_id",
        [as_of, spec.horizon_days, as_of],
    ).df()
    entities["event_timestamp"] = entities["event_timestamp"].dt.tz_localize("UTC")
    return entities


def training_set(store, entities: pd.DataFrame, service_name: str) -> pd.DataFrame:
    """Point-in-time join: each (user_id, event_timestamp) row gets the features known at that moment.

    Rows sorted by time and user, features by name after the entity columns: Feast's DuckDB
    join returns both in no fixed order, and a model trained on the same rows in another
    order is not the same model.
    """
    service = store.get_feature_service(service_name)
    frame = store.get_historical_features(entity_df=entities, features=service).to_df()
    features = sorted(c for c in frame.columns if c not in entities.columns)
    frame = frame[[*entities.columns, *features]]
    return frame.sort_values(["event_timestamp", "user_id"], kind="stable").reset_index(drop=True)


def online_features(store, user_ids: list[str], service_name: str) -> pd.DataFrame:
    """The freshest features per user; users the store does not know get nulls, not an error."""
    service = store.get_feature_service(service_name)
    response = store.get_online_features(features=service, entity_rows=[{"user_id": u} for u in user_ids])
    return response.to_df()


class OnlineReader:
    """The online features of feature services, resolved once and read for many entities at a time.

    One query per feature view (SQLite: its entity rows read directly; Redis: the store's own
    batched read), then the services' on-demand transformations with
    the udfs the registry holds. Features come back as float64 (NaN for null), as models read them.
    """

    def __init__(self, store, services: list[str], join_key: str):
        self.store, self.join_key = store, join_key
        on_demand = {v.name for v in store.list_on_demand_feature_views()}
        wanted: dict[str, set[str]] = {}
        transforms = {}
        for projection in (p for name in services for p in store.get_feature_service(name).feature_view_projections):
            if projection.name in on_demand:
                transform = transforms[projection.name] = store.get_on_demand_feature_view(projection.name)
                for source in transform.source_feature_view_projections.values():
                    wanted.setdefault(source.name, set()).update(f.name for f in source.features)
            else:
                wanted.setdefault(projection.name, set()).update(f.name for f in projection.features)
        self.views = [(store.get_feature_view(name), sorted(names)) for name, names in wanted.items()]
        self.transforms = list(transforms.values())
        self.features = [f for _, names in self.views for f in names] + [f.name for t in self.transforms for f in t.features]
        self._sqlite = store.config.online_store.type == entity_rows.TYPE
        self._local = threading.local()

    def read(self, ids: list[str]) -> pd.DataFrame:
        """One row per id in order: the id, `feature_timestamp` (UTC, the newest of its views' rows; NaT where no
        view knows the id), then the features."""
        stamps, matrix = self.read_arrays(ids)
        frame = pd.DataFrame(matrix, columns=self.features)
        frame.insert(0, "feature_timestamp", pd.to_datetime(stamps, unit="s", utc=True).astype("datetime64[us, UTC]"))
        frame.insert(0, self.join_key, pd.Series(ids, dtype=object))
        return frame

    def read_arrays(self, ids: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """`read` as arrays: each id's feature timestamp in epoch seconds (NaN: unknown) and its features, one
        column per name of `self.features`."""
        stored = [name for _, names in self.views for name in names]
        matrix, stamps, column = np.full((len(ids), len(stored)), np.nan), np.full(len(ids), np.nan), 0
        for view, names in self.views:
            rows = (self._sqlite_rows if self._sqlite else self._store_rows)(view, names, ids)
            for i, row in enumerate(rows):
                if row is not None:
                    stamps[i] = np.fmax(stamps[i], row[0])
                    matrix[i, column:column + len(names)] = [row[1].get(name) for name in names]
            column += len(names)
        values = pd.DataFrame(matrix, columns=stored)
        derived = [t.feature_transformation.udf(values)[[f.name for f in t.features]].to_numpy("float64") for t in self.transforms]
        return stamps, np.column_stack([matrix, *derived])

    def _keys(self, ids: list[str]) -> list:
        from feast.protos.feast.types.EntityKey_pb2 import EntityKey
        from feast.protos.feast.types.Value_pb2 import Value

        return [EntityKey(join_keys=[self.join_key], entity_values=[Value(string_val=i)]) for i in ids]

    def _store_rows(self, view, names: list[str], ids: list[str]) -> list:
        read = self.store._get_provider().online_read(config=self.store.config, table=view, entity_keys=self._keys(ids),
                                                      requested_features=list(names))  # Redis appends to the list it gets
        # an id the store does not know: no values (SQLite) or a row stamped at the epoch (Redis)
        return [None if values is None or ts is None or ts.timestamp() == 0
                else (ts.timestamp(), {n: _python(v) for n, v in values.items()}) for ts, values in read]

    def _sqlite_rows(self, view, names: list[str], ids: list[str]) -> list:
        from feast.protos.feast.types.Value_pb2 import Map

        config = self.store.config
        keys = entity_rows.string_keys(config, self.join_key, ids)
        found = {}
        for key, us, blob in entity_rows.read(self._connection(), config, view, keys):
            values = Map.FromString(blob).val
            found[key] = (us / 1e6, {n: _python(values[n]) for n in names if n in values})
        return [found.get(k) for k in keys]

    def _connection(self) -> sqlite3.Connection:
        """One read-only connection per thread (the materializing process may write meanwhile)."""
        if not hasattr(self._local, "con"):
            self._local.con = sqlite3.connect(f"file:{self.store.config.online_store.path}?mode=ro", uri=True, timeout=5)
        return self._local.con

    def newest_timestamp(self) -> datetime | None:
        """The newest feature timestamp the online store holds over the views read (SQLite: their rows; otherwise the
        end of the last materialization window the registry records)."""
        if not self._sqlite:
            ends = [self.store.get_feature_view(view.name).most_recent_end_time for view, _ in self.views]
            return max((end for end in ends if end), default=None)
        config = self.store.config
        newest = [self._connection().execute(f"select max(event_us) from {entity_rows.table_name(config, view)}").fetchone()[0]
                  for view, _ in self.views]
        micros = [us for us in newest if us is not None]
        return datetime.fromtimestamp(max(micros) / 1e6, UTC) if micros else None


def _python(value) -> float | None:
    kind = value.WhichOneof("val")
    return None if kind in (None, "null_val") else getattr(value, kind)

