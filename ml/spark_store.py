"""Training sets from the Spark-built marts, through Feast's Spark offline store.

`shoplens spark build` builds the dbt marts on a local Spark (dbt's `spark` target): one parquet
folder per table under the data directory's spark/warehouse/shoplens.db. This store declares the
classifiers' feature views over those folders as SparkSources, so `training_set` joins them point
in time on Spark, as the DuckDB offline store does on the exported marts. Its registry and
(unused) online store live under spark/feast, apart from the main store's.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ml.catalogue import TRAINING_SETS
from ml.feature_store import PROJECT, labelled_entities_in, training_set
from shoplens.paths import Paths
from shoplens.settings import Settings

# Spark's own logging below errors goes nowhere: its INFO and WARN lines are a log wall
LOG_CONFIG = """\
rootLogger.level = error
rootLogger.appenderRef.stderr.ref = stderr
appender.console.type = Console
appender.console.name = stderr
appender.console.target = SYSTEM_ERR
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = %d{HH:mm:ss} %p %c{1}: %m%n
"""


def prepare_spark_home(paths: Paths) -> Path:
    """The data directory's spark/ with the log configuration both Spark sessions read."""
    paths.spark.mkdir(parents=True, exist_ok=True)
    (paths.spark / "log4j2.properties").write_text(LOG_CONFIG)
    return paths.spark


def spark_conf(paths: Paths) -> dict[str, str]:
    """The local session (as dbt's `spark` target in dbt_project/profiles.yml): 127.0.0.1 only, UTC,
    metastore, warehouse and log configuration under the data directory's spark/."""
    home = paths.spark
    return {
        "spark.master": "local[2]",
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.driver.memory": "4g",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.shuffle.partitions": "4",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.sql.warehouse.dir": str(home / "warehouse"),
        "spark.driver.extraJavaOptions": f"-Dderby.system.home={home} -Dlog4j.configurationFile={home / 'log4j2.properties'}",
    }


def open_spark_store(settings: Settings, objects: list | None = None):
    """A Feast store on the Spark offline store with `objects` applied: by default the classifiers' objects
    over the Spark-built marts (the other views read tables the graph's Python assets write)."""
    from feast import FeatureStore, RepoConfig

    from feature_repo.data_sources import spark_source
    from feature_repo.repository import user_feature_objects

    home = prepare_spark_home(settings.paths)
    config = RepoConfig(
        project=PROJECT,
        provider="local",
        registry=str(home / "feast" / "registry.db"),
        offline_store={"type": "spark", "spark_conf": spark_conf(settings.paths)},
        online_store={"type": "sqlite", "path": str(home / "feast" / "online_store.db")},
        entity_key_serialization_version=3,
        repo_path=str(home / "feast"),
    )
    (home / "feast").mkdir(exist_ok=True)
    store = FeatureStore(config=config)
    store.apply(objects or user_feature_objects(settings.paths.spark_tables, source=spark_source))
    return store


def spark_training_set(settings: Settings, model: str, store=None) -> pd.DataFrame:
    """The model's training set on Spark: its mature labels from the Spark-built `labels`, their features
    joined point in time by the Spark offline store from the Spark-built user_features_daily."""
    import duckdb
    import pyarrow.parquet as pq

    labels = pq.read_table(settings.paths.spark_tables / "labels")
    with duckdb.connect() as con:
        con.register("labels", labels)
        entities = labelled_entities_in(con, model)
    frame = training_set(store or open_spark_store(settings), entities, TRAINING_SETS[model].service)
    # Spark hands the entity timestamps back naive (its session is UTC): as DuckDB's join returns them
    frame["event_timestamp"] = frame["event_timestamp"].dt.tz_localize("UTC").astype("datetime64[us, UTC]")
    return frame
