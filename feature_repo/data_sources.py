"""The dbt feature marts, exported to parquet by the `feature_sources` asset.

`feature_timestamp` is the midnight after the feature day: the moment the values are known.
"""

from pathlib import Path

from feast import FileSource

# warehouse tables exported to `<folder>/<table>.parquet`: the dbt marts, the product_sentiment asset's daily
# features and the customer_rfm asset's summaries
TABLES = ("user_features_daily", "product_features_daily", "product_sentiment_daily", "customer_rfm")


def file_source(folder: Path, table: str) -> FileSource:
    # Absolute: Feast's DuckDB offline store reads FileSource paths as given, not from its repo path.
    return FileSource(
        name=table,
        path=str(Path(folder).resolve() / f"{table}.parquet"),
        timestamp_field="feature_timestamp",
        description=f"{table}: the warehouse table, exported with UTC feature timestamps.",
    )


def spark_source(folder: Path, table: str):
    """The table as Spark wrote it (`shoplens spark build`): a folder of parquet files, read by Feast's Spark offline store."""
    from feast.infra.offline_stores.contrib.spark_offline_store.spark_source import SparkSource

    return SparkSource(name=table, path=str(Path(folder).resolve() / table), file_format="parquet",
                       timestamp_field="feature_timestamp", description=f"{table}: the dbt mart as Spark built it.")
