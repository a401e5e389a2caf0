"""Online equals batch: /score gives what the `user_scores` and `user_segments` assets computed, for the
same champion versions and feature timestamp, and the fast online read gives what Feast's own does."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pytest

pytestmark = pytest.mark.slow


def test_score_equals_the_batch_scores_of_the_same_versions_and_features(client, auth, batch_scores, app_settings):
    sample = batch_scores.sample(n=min(60, len(batch_scores)), random_state=0)
    response = client.post("/score", json={"user_ids": sample["user_id"].tolist()}, headers=auth).json()
    online = pd.DataFrame(response["scores"]).set_index("user_id").loc[sample["user_id"]]
    versions = response["model_versions"]
    assert (sample["purchase_propensity_version"] == versions["purchase_propensity"]).all()
    assert (sample["churn_version"] == versions["churn"]).all()
    assert (pd.to_datetime(online["feature_timestamp"]).to_numpy() == sample["scored_as_of"].to_numpy()).all()
    for column in ("purchase_propensity", "churn_risk"):
        np.testing.assert_allclose(online[column].to_numpy(float), sample[column].to_numpy(float), rtol=0, atol=1e-9)
    assert (online["propensity_decile"].to_numpy() == sample["propensity_decile"].to_numpy()).all()
    with duckdb.connect(str(app_settings.paths.warehouse), read_only=True) as con:
        segments = con.execute("select user_id, segment_id from user_segments").df().set_index("user_id")["segment_id"]
    assert (online["segment_id"].to_numpy() == segments.loc[sample["user_id"]].to_numpy()).all()


def test_score_values_customers_as_the_batch_customer_value_does(client, auth, app_settings):
    from serving.scoring import CLV_COLUMNS

    with duckdb.connect(str(app_settings.paths.warehouse), read_only=True) as con:
        batch = con.execute("select * from customer_value order by user_id").df()
    sample = batch.sample(n=min(60, len(batch)), random_state=1)
    response = client.post("/score", json={"user_ids": [*sample["user_id"], "no-customer"]}, headers=auth).json()
    online = pd.DataFrame(response["scores"]).set_index("user_id")
    assert (sample["model_version"] == response["model_versions"]["clv"]).all()
    for column in CLV_COLUMNS:
        expected = sample[column].to_numpy(float)
        np.testing.assert_allclose(online.loc[sample["user_id"], column].to_numpy(float), expected, rtol=0, atol=1e-9)
    assert online.loc["no-customer", CLV_COLUMNS].isna().all()


def _store_read_equals_feast(store, users: list[str]) -> None:
    from ml.feature_store import OnlineReader, online_features
    from serving.scoring import USER_SERVICES

    reader = OnlineReader(store, USER_SERVICES, "user_id")
    fast = reader.read(users)
    for service in USER_SERVICES:
        feast = online_features(store, users, service)
        columns = [c for c in feast.columns if c != "user_id"]
        assert fast["user_id"].tolist() == feast["user_id"].tolist()
        np.testing.assert_array_equal(fast[columns].to_numpy(float), feast[columns].astype(float).to_numpy())
    assert fast["feature_timestamp"].iloc[-1] is pd.NaT and fast["feature_timestamp"].iloc[:-1].notna().all()


def test_the_fast_sqlite_read_equals_get_online_features(app_settings, batch_scores):
    from ml.feature_store import open_store

    _store_read_equals_feast(open_store(app_settings), [*batch_scores["user_id"].head(40), "nobody"])


def test_on_redis_the_read_equals_get_online_features_and_the_api_the_batch(app_settings, batch_scores, redis_url):
    from fastapi.testclient import TestClient

    from ml.feature_store import open_store
    from serving.app import create_app
    from tests.serving.conftest import KEY

    on_redis = app_settings.with_(online_store=redis_url)
    store = open_store(on_redis)
    try:
        newest = batch_scores["scored_as_of"].max().to_pydatetime()
        store.materialize(start_date=newest - pd.Timedelta(days=2), end_date=newest + pd.Timedelta(days=1))
        _store_read_equals_feast(store, [*batch_scores["user_id"].head(40), "nobody"])
        sample = batch_scores.head(30)
        with TestClient(create_app(on_redis)) as client:
            ready = client.get("/ready").json()
            scores = client.post("/score", json={"user_ids": sample["user_id"].tolist()}, headers={"X-API-Key": KEY}).json()
    finally:
        open_store(app_settings)  # the shared data directory's yaml back on SQLite
    assert ready["ready"] and ready["online_store"]["type"] == "redis"
    online = pd.DataFrame(scores["scores"])
    np.testing.assert_allclose(online["purchase_propensity"], sample["purchase_propensity"], rtol=0, atol=1e-9)
    np.testing.assert_allclose(online["churn_risk"], sample["churn_risk"], rtol=0, atol=1e-9)
