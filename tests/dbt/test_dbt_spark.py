"""dbt on Spark: the tiny shop's marts built by a local Spark equal DuckDB's, row for row."""

import duckdb
import pandas as pd


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


def test_every_mart_built_on_spark_equals_duckdb_s(spark_built):
    with duckdb.connect(str(spark_built.paths.warehouse), read_only=True) as con:
        tables = [name for (name,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'main' and table_type = 'BASE TABLE'").fetchall()]
        duck = {name: con.execute(f'select * from "{name}"').df() for name in tables}
    assert {"user_features_daily", "labels", "fct_sessions", "dim_users", "cohort_retention_weekly"} <= set(tables)
    for name, frame in duck.items():
        folder = spark_built.paths.spark_tables / name
        # read by DuckDB too, so both sides come back with the same pandas types
        spark = duckdb.execute("select * from read_parquet(?)", [str(folder / "*.parquet")]).df() if any(
            folder.glob("*.parquet")) else frame.iloc[:0]
        assert list(spark.columns) == list(frame.columns), name
        pd.testing.assert_frame_equal(_sorted(spark), _sorted(frame), check_dtype=False, rtol=1e-9, obj=name)
    assert len(duck["user_features_daily"]) > 5000 and duck["labels"]["purchased_next_7d"].notna().any()
