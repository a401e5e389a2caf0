"""The feature domain of the materialized graph: training sets and the online store agree."""

import dagster as dg
import duckdb
import pandas as pd
import pytest

pytestmark = pytest.mark.slow


def test_training_sets_are_built_from_the_labels(materialized, data_dir, instance):
    for model, label in (("purchase_propensity", "purchased_next_7d"), ("churn", "churned_next_30d")):
        frame = pd.read_parquet(data_dir / "training_sets" / f"{model}.parquet")
        with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
            mature = con.execute(f"select count(*) from labels where {label} is not null").fetchone()[0]
        assert len(frame) == mature
        metadata = instance.get_latest_materialization_event(dg.AssetKey(f"training_set_{model}")).asset_materialization.metadata
        assert metadata["feature_count"].value >= 10 and metadata["dagster/row_count"].value == mature


@pytest.mark.parametrize("service", ["purchase_propensity_v2", "purchase_propensity_v1"])
def test_online_features_equal_the_last_historical_row(materialized, data_dir, settings, service):
    """Both service versions serve what training saw: v2 adds the buying cycle, v1 stays servable."""
    from ml.feature_store import online_features, open_store, training_set

    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        last = con.execute("select max(feature_timestamp) from user_features_daily").fetchone()[0]
        users = [r[0] for r in con.execute(
            "select user_id from user_features_daily where feature_timestamp = ? order by user_id limit 25", [last]
        ).fetchall()]
    store = open_store(settings)
    entities = pd.DataFrame({"user_id": users, "event_timestamp": pd.Timestamp(last, tz="UTC")})
    offline = training_set(store, entities, service).set_index("user_id").sort_index()
    online = online_features(store, users, service).set_index("user_id").sort_index()
    columns = [c for c in online.columns if c in offline.columns]
    assert len(columns) >= 20
    assert ("orders_365d" in columns) == (service == "purchase_propensity_v2")
    pd.testing.assert_frame_equal(online[columns].astype("float64"), offline[columns].astype("float64"))
