"""The dbt feature marts, exported to parquet by the `feature_sources` asset.

`feature_timestamp` is the midnight after the feature day: the moment the values are known.
"""

from feast import FileSource

from shoplens.config import feast_dir

# Absolute: Feast's DuckDB offline store reads FileSource paths as given, not from its repo path.
SOURCES = feast_dir() / "sources"

user_features_source = FileSource(
    name="user_features_daily",
    path=str(SOURCES / "user_features_daily.parquet"),
    timestamp_field="feature_timestamp",
    description="dbt mart user_features_daily: one row per user per day.",
)
product_features_source = FileSource(
    name="product_features_daily",
    path=str(SOURCES / "product_features_daily.parquet"),
    timestamp_field="feature_timestamp",
    description="dbt mart product_features_daily: one row per product per day.",
)
