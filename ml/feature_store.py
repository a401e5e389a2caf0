"""The Feast store of a data directory: configure, apply, build training sets, serve online.

Everything Feast keeps lives under `$SHOPLENS_DATA_DIR/feast`: the registry, the exported
feature sources, and the SQLite online store (or Redis when SHOPLENS_ONLINE_STORE=redis://host:port).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import yaml

from shoplens.config import feast_dir
from shoplens.ingest.sql import lit

PROJECT = "shoplens"
# warehouse tables exported for feature_repo/data_sources.py
SOURCE_TABLES = ("user_features_daily", "product_features_daily")


def online_store_config(root: Path) -> dict:
    """SQLite under the data directory, or Redis when SHOPLENS_ONLINE_STORE=redis://host:port."""
    url = os.environ.get("SHOPLENS_ONLINE_STORE", "")
    if url.startswith("redis://"):
        return {"type": "redis", "connection_string": url.removeprefix("redis://")}
    if url:
        raise ValueError(f"SHOPLENS_ONLINE_STORE must be redis://host:port (or unset for SQLite), got {url!r}")
    return {"type": "sqlite", "path": str(root / "online_store.db")}


def write_store_yaml(root: Path) -> Path:
    """feature_store.yaml for a store kept in `root` (also usable by the `feast` CLI with -f)."""
    root.mkdir(parents=True, exist_ok=True)
    config = {
        "project": PROJECT,
        "provider": "local",
        "registry": str(root / "registry.db"),
        "offline_store": {"type": "duckdb"},
        "online_store": online_store_config(root),
        "entity_key_serialization_version": 3,
    }
    path = root / "feature_store.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def open_store(root: Path | None = None):
    """A FeatureStore kept in `root` (default: the data directory's), its yaml rewritten from config."""
    from feast import FeatureStore

    root = Path(root or feast_dir()).resolve()
    return FeatureStore(repo_path=str(root), fs_yaml_file=write_store_yaml(root))


def export_sources(warehouse: Path) -> dict[str, int]:
    """Copy the feature marts to parquet with UTC microsecond timestamps (what Feast expects)."""
    from feature_repo.data_sources import SOURCES as out

    out.mkdir(parents=True, exist_ok=True)
    rows = {}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute("set TimeZone = 'UTC'")
        for table in SOURCE_TABLES:
            target = out / f"{table}.parquet"
            con.execute(
                f"copy (select * replace (cast(feature_timestamp as timestamptz) as feature_timestamp) "
                f"from {table} order by feature_timestamp) to {lit(str(target))} (format parquet)"
            )
            rows[table] = con.execute(f"select count(*) from {table}").fetchone()[0]
    return rows


def definitions() -> list:
    """Every Feast object ShopLens declares."""
    from feature_repo import entities, feature_services, feature_views, on_demand_views

    return [
        entities.user, entities.product,
        feature_views.user_activity, feature_views.product_activity,
        on_demand_views.user_intent,
        feature_services.purchase_propensity_v1, feature_services.churn_v1,
        feature_services.purchase_propensity_v2, feature_services.churn_v2,
    ]


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


def apply(store, objects: list | None = None) -> list:
    """Validate the sources, then register the objects; returns what was applied."""
    objects = definitions() if objects is None else objects
    check_sources(store, objects)
    store.apply(objects)
    return objects


@dataclass(frozen=True)
class TrainingSet:
    """What a model learns from: a feature service, a label column of the `labels` mart, and
    how many days after its cutoff the label is known."""

    service: str
    label: str
    horizon_days: int
    score_column: str  # the champion's score in `user_scores`


TRAINING_SETS = {
    "purchase_propensity": TrainingSet("purchase_propensity_v2", "purchased_next_7d", 7, "purchase_propensity"),
    "churn": TrainingSet("churn_v2", "churned_next_30d", 30, "churn_risk"),
}


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
