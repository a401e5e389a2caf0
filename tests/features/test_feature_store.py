"""Feast on planted feature rows: point-in-time joins, clear errors, nulls for unknown users."""

from datetime import UTC, datetime

import pandas as pd
import pytest

CUTOFF = datetime(2024, 1, 10, tzinfo=UTC)
# u1's 7-day views: 3 known at the cutoff, 40 only from the next midnight on
PLANTED = pd.DataFrame({
    "user_id": ["u1", "u1", "u2"],
    "feature_timestamp": ["2024-01-10 00:00", "2024-01-11 00:00", "2024-01-09 00:00"],
    "views_7d": [3, 40, 5],
})


# the point-in-time tests run on both offline stores: DuckDB's, and Spark's (the team profile's engine)
OFFLINE_STORES = pytest.mark.parametrize("store_fixture", ["planted_store", "spark_planted_store"])


@OFFLINE_STORES
def test_training_rows_see_the_value_known_at_the_cutoff_not_the_latest(store_fixture, request):
    store, view = request.getfixturevalue(store_fixture)(PLANTED)
    entities = pd.DataFrame({"user_id": ["u1", "u2"], "event_timestamp": [CUTOFF, CUTOFF]})
    joined = store.get_historical_features(entity_df=entities, features=["planted:views_7d"]).to_df()
    point_in_time = joined.set_index("user_id")["views_7d"].to_dict()
    naive_latest = PLANTED.sort_values("feature_timestamp").groupby("user_id")["views_7d"].last().to_dict()
    assert point_in_time == {"u1": 3, "u2": 5}
    assert naive_latest["u1"] == 40  # what a latest-value join would have leaked into training


@OFFLINE_STORES
def test_rows_older_than_the_ttl_are_not_joined(store_fixture, request):
    store, _ = request.getfixturevalue(store_fixture)(PLANTED)
    late = pd.DataFrame({"user_id": ["u2"], "event_timestamp": [datetime(2024, 1, 30, tzinfo=UTC)]})
    joined = store.get_historical_features(entity_df=late, features=["planted:views_7d"]).to_df()
    assert joined["views_7d"].isna().all()


def test_a_view_whose_source_lacks_a_column_fails_apply_naming_it(planted_store):
    with pytest.raises(ValueError, match="lacks column\\(s\\) carts_7d"):
        planted_store(PLANTED, apply_columns=("views_7d", "carts_7d"))


def test_unknown_users_get_nulls_online(planted_store):
    store, _ = planted_store(PLANTED)
    store.materialize(start_date=datetime(2024, 1, 1, tzinfo=UTC), end_date=datetime(2024, 1, 12, tzinfo=UTC))
    online = store.get_online_features(features=["planted:views_7d"], entity_rows=[{"user_id": "u1"}, {"user_id": "nobody"}]).to_df()
    assert online.set_index("user_id")["views_7d"].to_dict()["u1"] == 40
    assert pd.isna(online.set_index("user_id").loc["nobody", "views_7d"])


def test_the_on_demand_view_is_a_plain_pandas_function():
    from feature_repo.on_demand_views import user_intent

    features = pd.DataFrame({"purchases_30d": [1, 0, None], "views_30d": [4, 0, 3], "views_7d": [2, 0, None],
                             "spend_30d": [10.0, 0.0, 5.0]}, index=[7, 8, 9])
    out = user_intent(features)
    assert out.index.tolist() == [7, 8, 9]
    assert out["view_to_purchase_30d"].tolist()[0] == 0.25 and out["view_to_purchase_30d"].iloc[1:].isna().all()
    assert out["recent_view_share"].tolist()[0] == 0.5 and out["recent_view_share"].iloc[1:].isna().all()
    assert out["spend_per_purchase_30d"].tolist()[0] == 10.0 and out["spend_per_purchase_30d"].iloc[1:].isna().all()


def test_the_feature_objects_can_be_declared_again_in_the_same_process(tmp_path):
    """Feast's decorator renames the function's module to __main__: the second declaration (a second data
    directory, the team profile beside the local one) must still find its source."""
    from feast import OnDemandFeatureView

    from feature_repo.repository import feature_objects

    first, second = ([o for o in feature_objects(tmp_path / name) if isinstance(o, OnDemandFeatureView)] for name in "ab")
    assert [v.feature_transformation.udf_string for v in first] == [v.feature_transformation.udf_string for v in second]
    assert "def user_intent(features" in first[0].feature_transformation.udf_string


def test_redis_online_store_serves_what_was_materialized(planted_store, redis_url):
    store, _ = planted_store(PLANTED, online_store=redis_url)
    assert store.config.online_store.type == "redis"
    store.materialize(start_date=datetime(2024, 1, 1, tzinfo=UTC), end_date=datetime(2024, 1, 12, tzinfo=UTC))
    online = store.get_online_features(features=["planted:views_7d"], entity_rows=[{"user_id": "u1"}, {"user_id": "u2"}]).to_df()
    assert online.set_index("user_id")["views_7d"].to_dict() == {"u1": 40, "u2": 5}


def test_an_unknown_online_store_url_is_refused(tmp_path):
    from shoplens.settings import Settings

    with pytest.raises(ValueError, match="redis://host:port"):
        Settings.from_env({"SHOPLENS_DATA_DIR": str(tmp_path), "SHOPLENS_ONLINE_STORE": "memcached://x"})
