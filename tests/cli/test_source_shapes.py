"""`shoplens run` on the shapes real sources come in: purchase-only order exports and short
price-less clickstreams with a stray timestamp. Every run exits 0 and says what it could not do."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from shoplens.settings import without_settings

pytestmark = pytest.mark.slow

SHOPLENS = str(Path(sys.executable).parent / "shoplens")
UNSCORED_RISK = r"session_risk +isolation_forest detector flags \d\.\d% of sessions \(no session labels: the detector is unscored\)"


def shoplens(*args: str, data_dir: Path) -> subprocess.CompletedProcess:
    env = without_settings(os.environ)
    return subprocess.run([SHOPLENS, "--data-dir", str(data_dir), *args], env=env, capture_output=True, text=True,
                          timeout=900)


def _materialized(data_dir: Path) -> set[str]:
    with dg.DagsterInstance.from_config(str(data_dir / "dagster")) as instance:
        return {key.to_user_string() for key in instance.get_asset_keys()
                if instance.get_latest_materialization_event(key) is not None}


def _built_assets(data_dir: Path) -> set[str]:
    from apps.runner import Runner
    from shoplens.settings import Settings

    defs = Runner(Settings(data_dir=data_dir)).definitions
    return {key.to_user_string() for key in defs.resolve_all_asset_keys()}


@pytest.fixture(scope="module")
def purchase_only(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess, int]:
    """A 70-day Online Retail II export of a simulated shop (purchases and cancellations only)
    with one non-cancellation line of negative quantity, run in a data directory whose path
    holds spaces, unicode and an apostrophe."""
    from simulator import SimConfig, simulate
    from simulator.exports import online_retail_lines

    root = tmp_path_factory.mktemp("purchase_only")
    simulate(SimConfig(users=5000, days=70, seed=8, start_date=date(2011, 1, 3)), root / "shop")
    lines = online_retail_lines(root / "shop")
    bad = lines.iloc[[len(lines) // 2]].assign(Quantity=-3)  # a purchase invoice that takes units back
    lines = pd.concat([lines, bad], ignore_index=True)
    export = root / "online_retail_II.csv"
    lines.assign(InvoiceDate=lines["InvoiceDate"].dt.strftime("%Y-%m-%d %H:%M:%S")).to_csv(export, index=False)
    data_dir = root / "shop's data — ünï"
    done = shoplens("run", "--source", f"online_retail:{export}", data_dir=data_dir)
    return data_dir, done, len(lines)


def test_a_purchase_only_source_runs_end_to_end(purchase_only):
    data_dir, done, rows = purchase_only
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "lacks: view events, cart events, reviews" in done.stdout
    assert _built_assets(data_dir) <= _materialized(data_dir)
    day = re.search(r"monitored (\S+): (\d+)/(\d+) checks passed", done.stdout)
    assert day and day[2] == day[3], done.stdout
    reports = data_dir / "monitoring" / "reports" / day[1]
    assert (reports / "feature_drift_report.html").exists() and (reports / "retrain_decision.json").exists()
    assert "Traceback" not in done.stdout + done.stderr


def test_a_purchase_only_source_quarantines_the_negative_line_and_keeps_every_other(purchase_only):
    data_dir, done, rows = purchase_only
    with duckdb.connect(str(data_dir / "landing.duckdb"), read_only=True) as con:
        quarantined = con.execute("select row_number, column_name, reason from quarantine").fetchall()
        events, cancels = con.execute("select count(*), count_if(event_type = 'cancel') from events").fetchone()
    assert quarantined == [(rows, "quantity", "non-positive quantity on a purchase or cancellation")]
    assert events == rows - 1 and cancels > 0
    assert f"{rows:,} rows read, {rows - 1:,} events landed, 1 quarantined" in done.stdout
    assert "quarantined: non-positive quantity on a purchase or cancellation: 1 rows" in done.stdout


def test_cancellations_net_out_of_revenue_and_spend(purchase_only):
    data_dir, _, _ = purchase_only
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        cancelled, negative = con.execute(
            "select count(*), count_if(revenue < 0) from fct_orders where is_cancellation").fetchone()
        spend, net = con.execute(
            "select sum(total_spend), (select sum(revenue) from fct_orders) from dim_users").fetchone()
        share = con.execute("select max(cancelled_share_365d) from user_features_daily").fetchone()[0]
    assert cancelled == negative > 0
    assert spend == pytest.approx(net)
    assert share > 0


def _mlflow(data_dir: Path):
    """The run's MLflow store, registry included (other tests may have set this process's registry URI)."""
    from ml.tracking import bound_client
    from shoplens.settings import Settings

    return bound_client(Settings(data_dir=data_dir))


def test_the_purchase_only_models_log_the_rfm_baseline(purchase_only):
    data_dir, _, _ = purchase_only
    client = _mlflow(data_dir)
    version = client.get_model_version_by_alias("purchase_propensity", "champion")
    run = client.get_run(version.run_id)
    assert 0.5 < run.data.metrics["baseline_rfm_logreg_test_roc_auc"] <= 1
    assert "views_30d" in run.data.params["dropped_features"]  # no views in the source: not in the model
    assert version.tags["feature_service"] == "purchase_propensity_v2"


def test_the_purchase_only_recommender_learns_from_orders_alone(purchase_only):
    data_dir, done, _ = purchase_only
    client = _mlflow(data_dir)
    metrics = client.get_run(client.get_model_version_by_alias("recommender", "champion").run_id).data.metrics
    assert metrics["recall_at_20"] >= metrics["popularity_recall_at_20"] and metrics["buyagain_recall_at_20"] > 0
    assert re.search(r"recommender +recall@20 0\.\d+ \(best single method 0\.\d+\)", done.stdout), done.stdout
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        users, personal = con.execute(
            "select count(distinct user_id), count_if(source <> 'popularity') from recommendations").fetchone()
        customers = con.execute("select count(*) from dim_users").fetchone()[0]
    assert users > 0.95 * customers and personal > 0


def test_the_purchase_only_shop_gets_segments_customer_value_and_campaigns(purchase_only):
    data_dir, done, _ = purchase_only
    client = _mlflow(data_dir)
    run = client.get_run(client.get_model_version_by_alias("clv", "champion").run_id)
    assert {"r", "alpha", "a", "b", "p", "q", "gamma"} <= set(run.data.params)
    assert run.data.metrics["holdout_mae"] > 0 and "oracle_correlation" not in run.data.metrics  # real shapes: no truth
    assert re.search(r"clv +holdout MAE \d\.\d+ purchase days \(same-rate baseline \d\.\d+\), RMSE", done.stdout), done.stdout
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        valued, spend = con.execute("select count(*), count(expected_spend_90d) from customer_value").fetchone()
        segmented, named = con.execute("select count(*), count(distinct segment_name) from user_segments").fetchone()
        campaigns = dict(con.execute("select campaign, count(*) from campaign_lists group by 1").fetchall())
        customers = con.execute("select count(*) from dim_users").fetchone()[0]
    assert valued > 0.95 * customers and spend == valued and segmented >= valued and named >= 3  # purchase-only: everyone bought
    assert campaigns.get("retention", 0) > 0 and campaigns.get("reactivation", 0) > 0


def test_the_purchase_only_shop_scores_its_sessions_and_says_it_has_no_reviews(purchase_only):
    data_dir, done, _ = purchase_only
    notes = done.stdout.split("not done, and why:")[1]
    assert "sentiment_model: the source has no reviews" in notes
    assert re.search(UNSCORED_RISK, done.stdout), done.stdout
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        sessions = con.execute("select count(*) from fct_sessions").fetchone()[0]
        scored, flagged, excluded = con.execute(
            "select count(*), count_if(flagged), count_if(excluded) from suspicious_sessions").fetchone()
        reviews, daily = con.execute("select (select count(*) from review_sentiment), "
                                     "(select count(*) from product_sentiment_daily)").fetchone()
    assert scored == sessions > 0 and 0 < flagged < 0.1 * scored and excluded == flagged
    assert reviews == 0 and daily == 0  # the tables are there, empty, in their shape


@pytest.fixture(scope="module")
def priceless(tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    """Nine days of a canonical clickstream without prices, plus one stray event 60 days before."""
    from simulator import SimConfig, simulate

    root = tmp_path_factory.mktemp("priceless")
    start = date(2024, 3, 1)
    simulate(SimConfig(users=800, days=9, seed=4, start_date=start), root / "shop")
    events = pd.read_parquet(root / "shop" / "events").drop(columns=["price", "event_date"], errors="ignore")
    stray = events.iloc[[0]].assign(event_id="stray", event_time=pd.Timestamp(start - timedelta(days=60)))
    source = root / "source"
    source.mkdir()
    pd.concat([stray, events]).to_csv(source / "events.csv", index=False)
    return root / "data", shoplens("run", "--source", f"canonical:{source}", data_dir=root / "data")


def test_a_short_priceless_source_with_a_stray_event_exits_0_and_says_why(priceless):
    data_dir, done = priceless
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "sparse days: 2024-01-01 (1 events)" in done.stdout
    assert "prices" in re.search(r"lacks: (.*)", done.stdout)[1]
    assert "churn_model: " in done.stdout.split("not done, and why:")[1]
    assert _built_assets(data_dir) <= _materialized(data_dir)  # monitoring too, saying there is no champion yet
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        priced, rows = con.execute("select count(spend_30d) + count(spend_365d), count(*) from user_features_daily").fetchone()
        first_cutoff = con.execute("select min(cutoff_date) from labels").fetchone()[0]
    assert rows > 0 and priced == 0  # spend is unknown, not zero
    assert first_cutoff is None or first_cutoff >= date(2024, 3, 8)  # cutoffs start where the data is dense


def test_a_short_source_gets_popular_products_and_the_reason(priceless):
    data_dir, done = priceless
    assert re.search(r"recommender_model: \d weekly cutoffs with a full next week; the ranker needs 3", done.stdout)
    assert "recommendations: no champion recommender yet" in done.stdout
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        users, sources, ranks = con.execute(
            "select count(distinct user_id), list(distinct source), max(rank) from recommendations").fetchone()
    assert users > 100 and sources == ["popularity"] and ranks == 20


def test_a_short_priceless_source_is_segmented_without_revenue_and_says_why_clv_is_not(priceless):
    data_dir, done = priceless
    notes = done.stdout.split("not done, and why:")[1]
    assert re.search(r"clv_model: \d+ days of data .* CLV needs 21 days of calibration and a 28-day holdout", notes), notes
    assert "customer_value: no champion CLV model yet" in notes
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        users = con.execute("select count(*) from user_segments").fetchone()[0]
        revenue_share = con.execute("select count(share_of_revenue) from segment_profiles").fetchone()[0]
    assert users > 100 and revenue_share == 0  # no prices: no revenue to share out


def test_a_short_priceless_source_scores_its_sessions_unlabelled(priceless):
    data_dir, done = priceless
    assert re.search(UNSCORED_RISK, done.stdout), done.stdout
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        sessions, scored, flagged = con.execute(
            "select (select count(*) from fct_sessions), count(*), count_if(flagged) from suspicious_sessions").fetchone()
        labelled, excluded = con.execute(
            "select (select count(*) from stg_session_labels), (select count(*) from excluded_sessions)").fetchone()
    assert scored == sessions > 0 and 0 < flagged < 0.1 * scored
    assert labelled == 0 and excluded == flagged  # no labels: what is left out is what the detector flagged


def _serving(data_dir: Path):
    from fastapi.testclient import TestClient

    from serving.app import create_app
    from shoplens.settings import Settings

    return TestClient(create_app(Settings(data_dir=data_dir, api_keys=("shape-key",))), raise_server_exceptions=False)


AUTH = {"X-API-Key": "shape-key"}


def test_the_serving_api_takes_the_shops_own_ids_on_a_pseudonymised_source(purchase_only):
    data_dir, done, _ = purchase_only
    assert (data_dir / "pseudonymised").exists()
    raw = pd.read_csv(data_dir.parent / "online_retail_II.csv", dtype=str)["Customer ID"].dropna().unique()[:50].tolist()
    with duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True) as con:
        stored = [u for (u,) in con.execute("select user_id from user_features_daily limit 5").fetchall()]
    with _serving(data_dir) as client:
        assert client.get("/ready").status_code == 200
        response = client.post("/score", json={"user_ids": raw}, headers=AUTH)
        scores = response.json()["scores"]
        pseudonyms = client.post("/score", json={"user_ids": stored}, headers=AUTH).json()["scores"]
        recommended = client.post("/recommendations", json={"user_ids": raw, "k": 3}, headers=AUTH).json()["recommendations"]
    assert response.status_code == 200 and [s["user_id"] for s in scores] == raw  # the caller's ids, as given
    assert sum(s["known"] for s in scores) >= 40 and all(s["purchase_propensity"] is not None for s in scores if s["known"])
    assert not any(p in response.text for p in stored)  # never a pseudonym back
    assert not any(s["known"] for s in pseudonyms)  # a pseudonym is hashed again: it is nobody's raw id
    assert any(not r["cold"] for r in recommended)


def test_the_serving_api_on_a_short_priceless_source_answers_with_what_exists(priceless):
    data_dir, _ = priceless
    with _serving(data_dir) as client:
        ready = client.get("/ready")
        score = client.post("/score", json={"user_ids": ["u000001", "u000002"]}, headers=AUTH)
        recommend = client.get("/users/u000001/recommendations", headers=AUTH)
    assert ready.status_code == 503 and "churn" in ready.json()["missing"]  # no churn labels in 9 days: not ready, says why
    assert score.status_code == 200 and all(s["churn_risk"] is None for s in score.json()["scores"])
    assert any(s["known"] for s in score.json()["scores"])  # the shop's own ids, hashed as ingest hashed them
    assert recommend.status_code == 503 and "no recommender champion" in recommend.json()["error"]
