"""Feast's Spark offline store: training sets joined on Spark from the Spark-built marts equal DuckDB's."""

import pandas as pd

from ml.catalogue import TRAINING_SETS


def test_training_sets_from_spark_equal_those_from_duckdb(spark_built):
    from feature_repo.repository import user_feature_objects
    from ml.feature_store import apply, export_sources, labelled_entities, open_store, training_set
    from ml.spark_store import open_spark_store, spark_training_set

    export_sources(spark_built, ("user_features_daily",))
    duck_store = open_store(spark_built)
    apply(duck_store, user_feature_objects(spark_built.paths.feast_sources))
    spark_store = open_spark_store(spark_built)
    assert spark_store.config.offline_store.type == "spark"
    for model, spec in TRAINING_SETS.items():
        duck = training_set(duck_store, labelled_entities(spark_built.paths.warehouse, model), spec.service)
        spark = spark_training_set(spark_built, model, spark_store)
        assert len(spark) == len(duck) > 100 and spark["views_30d"].notna().any()
        pd.testing.assert_frame_equal(spark, duck, check_dtype=False, rtol=1e-9, obj=model)
