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
