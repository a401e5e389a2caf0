"""A Feast store of its own in a temporary folder, over feature rows the test plants."""

import shutil
from datetime import timedelta

import pandas as pd
import pytest


@pytest.fixture
def planted_store(tmp_path):
    """Returns make(rows, online_store=None) -> (store, view): a store with one user feature view over `rows`."""
    from feast import Entity, FeatureView, Field, FileSource, ValueType
    from feast.types import Int64

    from ml.feature_store import apply, open_store
    from shoplens.settings import Settings

    def make(rows: pd.DataFrame, apply_columns=("views_7d",), online_store: str | None = None):
        path = tmp_path / "planted.parquet"
        rows.assign(feature_timestamp=pd.to_datetime(rows["feature_timestamp"], utc=True).astype("datetime64[us, UTC]")).to_parquet(path)
        user = Entity(name="user", join_keys=["user_id"], value_type=ValueType.STRING)
        view = FeatureView(
            name="planted",
            entities=[user],
            ttl=timedelta(days=7),
            schema=[Field(name=c, dtype=Int64) for c in apply_columns],
            source=FileSource(name="planted_source", path=str(path), timestamp_field="feature_timestamp"),
        )
        store = open_store(Settings(data_dir=tmp_path, online_store=online_store))
        apply(store, [user, view])
        return store, view

    return make


@pytest.fixture
def spark_planted_store(tmp_path):
    """make(rows) -> (store, view), as planted_store's, on Feast's Spark offline store (the view a SparkSource)."""
    if not shutil.which("java"):
        pytest.skip("Java is not installed (.ci/ensure-java installs Debian's openjdk-17-jre-headless in CI)")
    from feast import Entity, FeatureView, Field, ValueType
    from feast.infra.offline_stores.contrib.spark_offline_store.spark_source import SparkSource
    from feast.types import Int64

    from ml.spark_store import open_spark_store
    from shoplens.settings import Settings

    def make(rows: pd.DataFrame):
        path = tmp_path / "planted"
        path.mkdir()
        rows.assign(feature_timestamp=pd.to_datetime(rows["feature_timestamp"]).astype("datetime64[us]")).to_parquet(
            path / "part-0.parquet")
        user = Entity(name="user", join_keys=["user_id"], value_type=ValueType.STRING)
        view = FeatureView(name="planted", entities=[user], ttl=timedelta(days=7), schema=[Field(name="views_7d", dtype=Int64)],
                           source=SparkSource(name="planted_source", path=str(path), file_format="parquet",
                                              timestamp_field="feature_timestamp"))
        return open_spark_store(Settings(data_dir=tmp_path), [user, view]), view

    return make
