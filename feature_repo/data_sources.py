"""The dbt feature marts, exported to parquet by the `feature_sources` asset.

`feature_timestamp` is the midnight after the feature day: the moment the values are known.
"""

from pathlib import Path

from feast import FileSource

# warehouse tables exported to `<folder>/<table>.parquet`: the dbt marts, and the product_sentiment asset's daily features
TABLES = ("user_features_daily", "product_features_daily", "product_sentiment_daily")


def file_source(folder: Path, table: str) -> FileSource:
    # Absolute: Feast's DuckDB offline store reads FileSource paths as given, not from its repo path.
    return FileSource(
        name=table,
        path=str(Path(folder).resolve() / f"{table}.parquet"),
        timestamp_field="feature_timestamp",
        description=f"{table}: one row per {table.split('_')[0]} per day.",
    )
