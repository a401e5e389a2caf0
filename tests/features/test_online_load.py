"""The bulk online loader writes exactly what Feast's own materialization writes, on SQLite and on Redis, and the
one-row-per-entity SQLite store serves what Feast's own SQLite store serves."""

import sqlite3
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from feast.protos.feast.types.EntityKey_pb2 import EntityKey
from feast.protos.feast.types.Value_pb2 import Value

START, END = datetime(2024, 1, 2, tzinfo=UTC), datetime(2024, 1, 5, tzinfo=UTC)


def _rows() -> pd.DataFrame:
    """300 users over 6 days (some outside the window), every declared type, nulls and NaN among them."""
    rng = np.random.default_rng(3)
    users = np.repeat([f"u{i:03d}" for i in range(300)], 6)
    days = pd.DatetimeIndex(np.tile(pd.date_range("2024-01-01", periods=6, freq="D"), 300)).tz_localize("UTC")
    keep = rng.random(len(users)) < 0.7
    n = int(keep.sum())
    counts = pd.array(rng.poisson(2, n), dtype="Int64")
    counts[rng.random(n) < 0.1] = pd.NA
    rates = np.round(rng.random(n) * 10, 2)  # repeated values: the loader encodes each once
    rates[rng.random(n) < 0.1] = np.nan
    rows = pd.DataFrame({
        "user_id": users[keep], "feature_timestamp": days[keep].astype("datetime64[us, UTC]"),
        "views_7d": counts, "rate": rates, "share": rng.random(n).astype("float32"),
        "segment": rng.choice(["a", "b", None], n), "active": rng.random(n) < 0.5,
    })
    last_day = rows.index[rows["feature_timestamp"] == END][:3]
    rows.loc[last_day, "rate"] = [0.0, -0.0, -2.5]  # zero and negatives have wire bytes of their own
    return rows


def _store(folder, rows: pd.DataFrame, online_store: str | None = None, feasts_sqlite: bool = False):
    from feast import Entity, FeatureStore, FeatureView, Field, FileSource, ValueType
    from feast.types import Bool, Float32, Float64, Int64, String

    from ml.feature_store import apply, open_store
    from shoplens.settings import Settings

    folder.mkdir()
    path = folder / "rows.parquet"
    rows.to_parquet(path)
    user = Entity(name="user", join_keys=["user_id"], value_type=ValueType.STRING)
    types = {"views_7d": Int64, "rate": Float64, "share": Float32, "segment": String, "active": Bool}
    view = FeatureView(name="mixed", entities=[user], ttl=timedelta(days=30),
                       schema=[Field(name=c, dtype=t) for c, t in types.items()],
                       source=FileSource(name="mixed_source", path=str(path), timestamp_field="feature_timestamp"))
    store = open_store(Settings(data_dir=folder, online_store=online_store))
    if feasts_sqlite:
        store = FeatureStore(config=store.config.model_copy(update={"online_config": {"type": "sqlite",
                                                                    "path": str(folder / "feast_sqlite.db")}}))
    apply(store, [user, view])
    return store


def _sqlite_rows(store) -> list[tuple]:
    with sqlite3.connect(store.config.online_store.path) as con:
        return con.execute("select * from shoplens_mixed__rows order by entity_key").fetchall()


def _intervals(store) -> list[tuple]:
    return [(i[0], i[1]) for i in store.get_feature_view("mixed").materialization_intervals]


def test_sqlite_rows_are_feasts_byte_for_byte(tmp_path):
    from ml.online_load import materialize

    rows = _rows()
    feast, ours = _store(tmp_path / "feast", rows), _store(tmp_path / "ours", rows)
    feast.materialize(start_date=START, end_date=END)
    written = materialize(ours, START, END)
    expected = _sqlite_rows(feast)
    assert written == {"mixed": rows[rows["feature_timestamp"].between(START, END)]["user_id"].nunique()}
    assert len(expected) == written["mixed"] and _sqlite_rows(ours) == expected
    assert _intervals(ours) == _intervals(feast)
    # a later window replaces the rows it has, as Feast's does
    feast.materialize(start_date=END, end_date=END + timedelta(days=1))
    materialize(ours, END, END + timedelta(days=1))
    assert _sqlite_rows(ours) == _sqlite_rows(feast) != expected


def test_entity_rows_serve_what_feasts_own_sqlite_store_serves(tmp_path):
    from ml.online_load import materialize

    rows = _rows()
    feasts, ours = _store(tmp_path / "feast", rows, feasts_sqlite=True), _store(tmp_path / "ours", rows)
    assert feasts.config.online_store.type == "sqlite" != ours.config.online_store.type
    feasts.materialize(start_date=START, end_date=END)
    materialize(ours, START, END)
    users = [{"user_id": u} for u in [*sorted(set(rows["user_id"])), "u-unknown"]]
    features = [f"mixed:{name}" for name in ("views_7d", "rate", "share", "segment", "active")]

    def online(store) -> dict:
        return store.get_online_features(features=features, entity_rows=users).to_dict()

    served = online(ours)
    assert served == online(feasts)
    assert served["rate"][-1] is None and sum(v is not None for v in served["rate"]) > 200
    view, keys = ours.get_feature_view("mixed"), [EntityKey(join_keys=["user_id"], entity_values=[Value(string_val=u["user_id"])])
                                                   for u in users]
    read = ours._get_provider().online_read(config=ours.config, table=view, entity_keys=keys, requested_features=["rate"])
    assert [ts for ts, _ in read] == [ts for ts, _ in feasts._get_provider().online_read(
        config=feasts.config, table=view, entity_keys=keys, requested_features=["rate"])]
    assert read[-1] == (None, None) and set(read[0][1]) == {"rate"}


def test_redis_hashes_are_feasts_and_older_rows_never_replace_newer(tmp_path, redis_url):
    import redis

    from ml.online_load import materialize

    rows = _rows()
    client = redis.Redis.from_url(redis_url)

    def dump() -> dict:
        return {key: client.hgetall(key) for key in sorted(client.keys())}

    def load(store, windows) -> dict:
        client.flushall()
        for start, end in windows:
            materialize(store, start, end) if store is ours else store.materialize(start_date=start, end_date=end)
        return dump()

    feast, ours = _store(tmp_path / "feast", rows, redis_url), _store(tmp_path / "ours", rows, redis_url)
    newest_first = [(END, END + timedelta(days=1)), (START, END)]  # the second window's rows are older: kept out
    expected = load(feast, newest_first)
    assert len(expected) == rows[rows["feature_timestamp"] >= START]["user_id"].nunique()
    assert load(ours, newest_first) == expected
    online = ours.get_online_features(features=["mixed:views_7d", "mixed:segment"], entity_rows=[{"user_id": "u001"}])
    assert online.to_dict()["user_id"] == ["u001"]


def test_a_type_the_loader_does_not_write_is_named(tmp_path):
    from ml.online_load import _value_field

    class Feature:
        name, dtype = "embedding", "Array(Float32)"

    class View:
        name = "vectors"

    with pytest.raises(TypeError, match="vectors: embedding is Array\\(Float32\\)"):
        _value_field(View, Feature)


def test_string_keys_are_feasts_serialized_entity_keys(tmp_path):
    from feast.infra.key_encoding_utils import serialize_entity_key

    from feature_repo.entity_rows import string_keys

    store = _store(tmp_path / "keys", _rows())
    ids = ["u001", "", "käufer-ß", "x" * 300]
    expected = [serialize_entity_key(EntityKey(join_keys=["user_id"], entity_values=[Value(string_val=i)]),
                                     entity_key_serialization_version=store.config.entity_key_serialization_version)
                for i in ids]
    assert string_keys(store.config, "user_id", ids) == expected
