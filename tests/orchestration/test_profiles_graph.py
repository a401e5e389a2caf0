"""The profiles domain of the materialized graph: segments, transitions, CLV in MLflow, customer value, campaign lists."""

import duckdb
import pytest

pytestmark = pytest.mark.slow


def _table(data_dir, name):
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        return con.execute(f"select * from {name}").df()


def _metadata(instance, asset):
    import dagster as dg

    event = instance.get_latest_materialization_event(dg.AssetKey(asset))
    return {k: v.value for k, v in event.asset_materialization.metadata.items()}


def test_every_user_has_a_named_segment_logged_with_its_fit(materialized, settings, data_dir, instance):
    from ml.tracking import client, version_by_alias

    segments = _table(data_dir, "user_segments")
    features = _table(data_dir, "user_features_daily")
    newest = features[features["feature_date"] == features["feature_date"].max()]
    assert set(segments["user_id"]) == set(newest["user_id"])
    assert list(segments.columns) == ["user_id", "segment_id", "segment_name", "as_of"]
    assert segments["segment_name"].str.len().gt(0).all()
    meta = _metadata(instance, "user_segments")
    assert meta["trained"] and 3 <= meta["k"] <= 8 and segments["segment_id"].nunique() == meta["k"]
    assert -1 <= meta["silhouette"] <= 1 and -1 <= meta["ari_vs_truth"] <= 1
    run = client(settings).get_run(client(settings).get_model_version("segments", "1").run_id)
    assert {"k", "silhouette", "ari_vs_truth"} <= set(run.data.metrics)
    assert version_by_alias("segments", "champion", settings) >= 1

    assert _metadata(instance, "segment_profiles")["plot_centroids"].startswith("![segment centroids](data:image/png;base64,")
    profiles = _table(data_dir, "segment_profiles")
    assert abs(profiles["share_of_users"].sum() - 1) < 1e-9 and abs(profiles["share_of_revenue"].sum() - 1) < 1e-9
    assert profiles["users"].sum() == len(segments) and profiles["mean_churn_risk"].between(0, 1).any()

    moves = _table(data_dir, "segment_transitions")
    assert moves["users"].sum() == len(segments)
    assert set(moves["to_segment"]) <= set(segments["segment_name"])
    assert (moves["from_date"] < moves["to_date"]).all()


def test_a_refit_keeps_the_segment_ids_of_the_same_customers(materialized, defs, data_dir, instance):
    import dagster as dg

    before = _table(data_dir, "user_segments")
    result = defs.resolve_job_def("build_job").execute_in_process(
        instance=instance, asset_selection=[dg.AssetKey("user_segments")],
        run_config={"resources": {"source": {"config": {"spec": f"canonical:{materialized}"}}}},
    )
    assert result.success
    after = _table(data_dir, "user_segments")
    meta = _metadata(instance, "user_segments")
    assert meta["previous_version"] is not None and meta["matched_segments"] == meta["k"] and meta["new_segments"] == 0
    same = before.merge(after, on="user_id")
    assert len(same) == len(before)
    assert (same["segment_id_x"] == same["segment_id_y"]).all() and (same["segment_name_x"] == same["segment_name_y"]).all()
    checks = [e.asset_check_evaluation_data for e in result.all_events
              if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION]
    assert [c.passed for c in checks] == [True]


def test_clv_is_fitted_judged_against_the_baseline_and_the_oracle(materialized, settings, data_dir, instance):
    from ml.promotion import history
    from ml.tracking import client, version_by_alias

    meta = _metadata(instance, "clv_model")
    assert meta["trained"], meta.get("reason")
    mlc = client(settings)
    run = mlc.get_run(mlc.get_model_version("clv", "1").run_id)
    assert {"r", "alpha", "a", "b", "p", "q", "gamma"} <= set(run.data.params)
    assert {"holdout_mae", "baseline_holdout_mae", "oracle_correlation"} <= set(run.data.metrics)
    assert 0 < run.data.metrics["oracle_correlation"] <= 1
    assert version_by_alias("clv", "champion", settings) == 1
    assert history("clv", settings).iloc[0]["metric"] == "holdout_mae"

    value = _table(data_dir, "customer_value")
    orders = _table(data_dir, "fct_orders")
    assert set(value["user_id"]) == set(orders.loc[~orders["is_cancellation"], "user_id"]) - set(
        _bot_users(data_dir))
    assert value["p_alive"].between(0, 1).all() and (value["expected_purchases_90d"] >= value["expected_purchases_30d"]).all()
    assert (value["expected_spend_90d"] > 0).all()


def _bot_users(data_dir):
    """Users whose every order is in an excluded session (a labelled bot's, or one the detector flagged)."""
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        return [u for (u,) in con.execute(
            "select distinct o.user_id from fct_orders o join excluded_sessions x on o.session_key = x.session_key "
            "where o.user_id not in (select o2.user_id from fct_orders o2 left join excluded_sessions x2 "
            "on o2.session_key = x2.session_key where x2.session_key is null)").fetchall()]


def test_campaign_lists_are_ranked_with_their_reasons(materialized, data_dir, instance):
    lists = _table(data_dir, "campaign_lists")
    meta = _metadata(instance, "campaign_lists")
    assert set(lists["campaign"]) <= {"retention", "reactivation", "cross_sell"}
    for campaign, rows in lists.groupby("campaign"):
        assert list(rows["rank"]) == list(range(1, len(rows) + 1)) and rows["score"].is_monotonic_decreasing
        assert meta[f"{campaign}_users"] == len(rows) and rows["reason"].str.len().gt(0).all()
    retention = lists[lists["campaign"] == "retention"]
    assert len(retention) > 0 and (retention["p_alive"] >= 0.5).all()
