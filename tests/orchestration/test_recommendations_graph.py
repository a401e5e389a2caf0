"""The recommendations domain of the materialized graph: MLflow run and registry, the lists, the pairs."""

import duckdb
import pandas as pd
import pytest

pytestmark = pytest.mark.slow
METHODS = ("popularity", "buyagain", "personal_frequency", "als", "bpr", "itemknn", "copurchase")


def test_the_recommender_is_logged_with_every_method_and_the_oracle(materialized, settings):
    from ml.promotion import history
    from ml.tracking import client, version_by_alias

    mlflow = client(settings)
    assert version_by_alias("recommender", "champion", settings) == 1
    assert history("recommender", settings).iloc[0]["metric"] == "recall_at_20"
    run = mlflow.get_run(mlflow.get_model_version("recommender", "1").run_id)
    metrics, params = run.data.metrics, run.data.params
    expected = {"recall_at_20", "ndcg_at_10", "precision_at_10", "map_at_10", "hit_rate_at_20", "coverage",
                "oracle_recall_at_20", "oracle_recall_ratio"}
    expected |= {f"{method}_{metric}" for method in METHODS for metric in ("recall_at_20", "ndcg_at_10")}
    assert expected <= set(metrics), expected - set(metrics)
    assert params["protocol"] == "replenishment"
    assert 0 < metrics["oracle_recall_at_20"] <= 1 and metrics["recall_at_20"] <= metrics["oracle_recall_at_20"] + 0.2
    assert "discovery_recall_at_20" in metrics


def test_the_champion_pyfunc_ranks_known_users_and_flags_cold_ones(materialized, settings):
    import mlflow

    from ml.tracking import configure

    configure(settings)
    model = mlflow.pyfunc.load_model("models:/recommender@champion")
    known = model.input_example["user_id"].iloc[0]
    out = model.predict(pd.DataFrame({"user_id": [known, "nobody-at-all"]}))
    assert set(out.columns) >= {"user_id", "rank", "product_id", "score", "source", "cold"}
    assert list(out[out["user_id"] == known]["rank"]) == list(range(1, 21))
    assert not out[out["user_id"] == known]["cold"].any() and out[out["user_id"] == "nobody-at-all"]["cold"].all()


def test_every_recently_active_user_has_20_ranked_recommendations(materialized, data_dir):
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        lists = con.execute("select * from recommendations").df()
        active = con.execute(
            "select count(distinct user_id) from int_events_sessionized where event_time >= "
            "(select max(event_time)::date + 1 from int_events_sessionized) - interval 90 day"
        ).fetchone()[0]
        pairs = con.execute("select * from frequently_bought_together").df()
    assert list(lists.columns) == ["user_id", "product_id", "rank", "score", "source", "model_version"]
    sizes = lists.groupby("user_id")["rank"].agg(["min", "max", "size"])
    assert (sizes["min"] == 1).all() and (sizes["max"] == 20).all() and (sizes["size"] == 20).all()
    assert not lists.duplicated(["user_id", "product_id"]).any()
    assert lists["user_id"].nunique() >= 0.9 * active  # bots (labelled sessions) are not shown anything
    assert set(lists["source"]) <= {"popularity", *METHODS} and (lists["model_version"] == 1).all()
    assert {"product_id", "rank", "partner_product_id", "support", "confidence", "lift"} <= set(pairs.columns)
    assert (pairs["lift"] >= 1).all() and (pairs["n_orders_together"] >= 2).all()
