"""The Feast store of a data directory: configure, apply, build training sets, serve online.

Everything Feast keeps lives under the data directory's `feast/`: the registry, the exported
feature sources, and the SQLite online store (or Redis when the settings name one).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import yaml

from feature_repo.data_sources import TABLES
from ml.catalogue import TRAINING_SETS
from shoplens.ingest.sql import lit
from shoplens.settings import Settings

PROJECT = "shoplens"


def online_store_config(settings: Settings) -> dict:
    """SQLite under the data directory, or the Redis the settings name (redis://host:port)."""
    if settings.online_store:
        return {"type": "redis", "connection_string": settings.online_store.removeprefix("redis://")}
    return {"type": "sqlite", "path": str(settings.paths.feast / "online_store.db")}


def write_store_yaml(settings: Settings) -> Path:
    """The data directory's feature_store.yaml (also what `feast -f <it>` and `feast ui` read)."""
    root = settings.paths.feast
    root.mkdir(parents=True, exist_ok=True)
    config = {
        "project": PROJECT,
        "provider": "local",
        "registry": str(root / "registry.db"),
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


def export_sources(settings: Settings) -> dict[str, int]:
    """Copy the feature marts to parquet with UTC microsecond timestamps (what Feast expects)."""
    out = settings.paths.feast_sources
    out.mkdir(parents=True, exist_ok=True)
    rows = {}
    with duckdb.connect(str(settings.paths.warehouse), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        for table in TABLES:
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
    spec = TRAINING_SETS[model]
    with duckdb.connect(str(warehouse), read_only=True) as con:
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
