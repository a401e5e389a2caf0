"""Benchmark the feature store: training sets, materialization and online latency.

    python bench/bench_features.py --size 100000     # (user, cutoff) rows; default: 100 k then 1 M

Synthetic user features for size/8 users over 60 days (every day a row, as the dbt mart
has), eight weekly cutoffs per user. Online latency: 1 000 calls of 1 user and 1 000 calls
of 100 users through Feast's SQLite online store, beside the same rows read straight from
an indexed SQLite table (the yardstick). Results go to bench/results/features.jsonl.
"""

from __future__ import annotations

import sqlite3
import time
from datetime import UTC
from pathlib import Path

import numpy as np
from stages import main

DAYS, CUTOFFS, CALLS = 60, 8, 1000


def _settings(work: Path):
    from shoplens.settings import Settings

    return Settings(data_dir=work)


def _store(work: Path):
    from ml.feature_store import open_store

    return open_store(_settings(work))


def _users(size: int) -> np.ndarray:
    return np.array([f"u{i:07d}" for i in range(size // CUTOFFS)])


def stage_generate(work: Path, size: int) -> dict:
    """Every feature view's source: a row per entity per day (users, or 2,000 products)."""
    import pandas as pd
    from feast import Entity, FeatureView

    from ml.feature_store import definitions

    rng = np.random.default_rng(0)
    users = _users(size)
    ids = {"user_id": users, "product_id": np.array([f"p{i:05d}" for i in range(2000)])}
    days = pd.date_range("2024-01-02", periods=DAYS, freq="D", tz="UTC").astype("datetime64[us, UTC]")

    objects = definitions(_settings(work))
    join_key = {o.name: o.join_key for o in objects if isinstance(o, Entity)}

    def frame(view):
        key = join_key[view.entities[0]]
        rows = len(ids[key]) * DAYS
        columns = {key: np.repeat(ids[key], DAYS), view.batch_source.timestamp_field: np.tile(days, len(ids[key]))}
        for field in view.features:
            integer = "Int64" in str(field.dtype)
            columns[field.name] = rng.poisson(3, rows) if integer else rng.random(rows)
        return pd.DataFrame(columns)

    _settings(work).paths.feast_sources.mkdir(parents=True, exist_ok=True)
    for view in (o for o in objects if isinstance(o, FeatureView)):
        frame(view).to_parquet(view.batch_source.path, index=False)
    cutoffs = days[7::7][:CUTOFFS]
    entities = pd.DataFrame({"user_id": np.repeat(users, CUTOFFS), "event_timestamp": np.tile(cutoffs, len(users))})
    entities.to_parquet(work / "entities.parquet", index=False)
    return {"feature_rows": len(users) * DAYS, "entity_rows": len(entities)}


def stage_apply(work: Path, size: int) -> dict:
    from ml.feature_store import apply, definitions

    apply(_store(work), definitions(_settings(work)))
    return {}


def stage_training_set(work: Path, size: int) -> dict:
    import pandas as pd

    from ml.feature_store import training_set

    store = _store(work)
    entities = pd.read_parquet(work / "entities.parquet")
    started = time.perf_counter()
    frame = training_set(store, entities, "purchase_propensity_v2")
    return {"rows": len(frame), "columns": frame.shape[1], "join_seconds": round(time.perf_counter() - started, 2)}


def _materialize(work: Path, size: int, online_store: str | None, bulk: bool) -> dict:
    """The last day of every user into the online store: by `ml.online_load` or by Feast's own materialize (on SQLite:
    into Feast's own row-per-feature store, the layout a Feast tutorial gets)."""
    from datetime import datetime, timedelta

    from feast import FeatureStore

    from ml.feature_store import apply, definitions, open_store
    from ml.online_load import materialize
    from shoplens.settings import Settings

    store = open_store(Settings(data_dir=work, online_store=online_store))
    if not bulk and online_store is None:
        stock = {"type": "sqlite", "path": str(work / "feast" / "feast_sqlite.db")}
        store = FeatureStore(config=store.config.model_copy(update={"online_config": stock}))
        apply(store, definitions(_settings(work)))
    end = datetime(2024, 1, 2, tzinfo=UTC) + timedelta(days=DAYS)
    started = time.perf_counter()
    if bulk:
        materialize(store, end - timedelta(days=1), end, views=["user_activity"])
    else:
        store.materialize(start_date=end - timedelta(days=1), end_date=end, feature_views=["user_activity"])
    seconds = time.perf_counter() - started
    users = len(_users(size))
    return {"users": users, "materialize_seconds": round(seconds, 2), "users_per_s": round(users / seconds)}


def stage_materialize_feast(work: Path, size: int) -> dict:
    """The yardstick: Feast's materialize into Feast's own SQLite store."""
    return _materialize(work, size, None, bulk=False)


def stage_materialize(work: Path, size: int) -> dict:
    """ShopLens' bulk loader into its one-row-per-entity SQLite store (`feature_repo.entity_rows`)."""
    return _materialize(work, size, None, bulk=True)


def stage_redis(work: Path, size: int) -> dict:
    """Both loaders into a fresh redis-server on 127.0.0.1 (skipped where none is installed)."""
    from stages import redis_server

    with redis_server() as url:
        if url is None:
            return {"skipped": "redis-server is not installed"}
        return {"feast": _materialize(work, size, url, bulk=False), "bulk": _materialize(work, size, url, bulk=True)}


def _percentiles(call, batches) -> dict:
    times = []
    for batch in batches:
        started = time.perf_counter()
        call(batch)
        times.append((time.perf_counter() - started) * 1000)
    return {"p50_ms": round(float(np.percentile(times, 50)), 3), "p99_ms": round(float(np.percentile(times, 99)), 3)}


def stage_online_latency(work: Path, size: int) -> dict:
    import pandas as pd

    store = _store(work)
    users = _users(size)
    rng = np.random.default_rng(1)
    one = [[u] for u in rng.choice(users, CALLS)]
    hundred = [list(rng.choice(users, 100, replace=False)) for _ in range(CALLS)]
    features = [f"user_activity:{f.name}" for f in store.get_feature_view("user_activity").features]

    def feast_call(batch):
        store.get_online_features(features=features, entity_rows=[{"user_id": u} for u in batch]).to_dict()

    # the yardstick: the same latest rows in an indexed SQLite table, read with the stdlib
    latest = pd.read_parquet(work / "feast" / "sources" / "user_features_daily.parquet")
    latest = latest[latest["feature_timestamp"] == latest["feature_timestamp"].max()].drop(columns="feature_timestamp")
    # stdlib sqlite3 only: pandas' to_sql would register a timestamp converter that breaks Feast's reads
    con = sqlite3.connect(work / "yardstick.db")
    con.execute(f"create table latest ({', '.join(latest.columns)})")
    con.executemany(f"insert into latest values ({','.join('?' * latest.shape[1])})", latest.astype(object).itertuples(index=False))
    con.execute("create unique index by_user on latest(user_id)")

    def sqlite_call(batch):
        con.execute(f"select * from latest where user_id in ({','.join('?' * len(batch))})", batch).fetchall()

    feast_call(one[0])  # warm the registry cache
    return {
        "feast_1_user": _percentiles(feast_call, one), "feast_100_users": _percentiles(feast_call, hundred),
        "sqlite_1_user": _percentiles(sqlite_call, one), "sqlite_100_users": _percentiles(sqlite_call, hundred),
    }


STAGES = {"generate": stage_generate, "apply": stage_apply, "training_set": stage_training_set,
          "materialize_feast": stage_materialize_feast, "materialize": stage_materialize, "redis": stage_redis,
          "online_latency": stage_online_latency}

if __name__ == "__main__":
    main(__file__, "features", STAGES, [100_000, 1_000_000], __doc__, tiny=4_000)
