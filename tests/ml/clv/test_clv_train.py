"""The CLV model fitted and judged: on a population drawn from BG/NBD itself, on a simulated shop against its
ground truth, on data it cannot fit, without prices, through MLflow and as a plot."""

from __future__ import annotations

import math
from datetime import timedelta

import duckdb
import mlflow
import numpy as np
import pandas as pd
import pytest

from ml.clv.btyd import BetaGeo
from ml.clv.data import Window, rfm_summary
from ml.clv.model import VALUE_COLUMNS, ClvParams
from ml.clv.plots import save_calibration_plot
from ml.clv.pyfunc import ClvPyfunc
from ml.clv.train import CannotFit, train_clv
from simulator import SimConfig, simulate

TRUTH = {"r": 0.5, "alpha": 10.0, "a": 0.8, "b": 3.0}  # alpha in days: a mean rate of 0.05 purchases a day
SHOP = SimConfig(users=3000, days=120, seed=1)
SUMMARY_COLUMNS = ["user_id", "frequency", "recency", "T", "monetary_value"]


def btyd_population(n: int, calibration_days: float, holdout_days: float, seed: int, r: float, alpha: float, a: float,
                    b: float) -> pd.DataFrame:
    """frequency, recency, T (continuous days) at the end of calibration and the purchases in the holdout after it,
    of n customers drawn from BG/NBD, first purchases uniform over the first half of calibration."""
    rng = np.random.default_rng(seed)
    rate, death, first = rng.gamma(r, 1 / alpha, n), rng.beta(a, b, n), rng.uniform(0, calibration_days / 2, n)
    x, t_x, holdout, t = np.zeros(n), np.zeros(n), np.zeros(n), first.copy()
    alive = np.arange(n)
    while alive.size:
        t[alive] += rng.exponential(1 / rate[alive])
        alive = alive[t[alive] < calibration_days + holdout_days]
        calibration, later = alive[t[alive] < calibration_days], alive[t[alive] >= calibration_days]
        x[calibration] += 1
        t_x[calibration] = t[calibration] - first[calibration]
        holdout[later] += 1
        alive = alive[rng.random(alive.size) >= death[alive]]  # each repeat purchase may be the last
    return pd.DataFrame({"frequency": x, "recency": t_x, "T": calibration_days - first, "holdout": holdout})


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """Purchase days of a simulated shop, its ground truth per weekly cutoff and its data window."""
    out = tmp_path_factory.mktemp("clv shop")
    simulate(SHOP, out)
    days = duckdb.execute(
        "select user_id, date_trunc('day', event_time)::date as day, sum(price * quantity) as value"
        " from read_parquet(?, hive_partitioning = true) where event_type = 'purchase' group by 1, 2",
        [f"{out}/events/*/*.parquet"]).df()
    days["day"] = pd.to_datetime(days["day"])
    truth = pd.read_parquet(out / "ground_truth" / "user_cutoffs.parquet")
    return days, truth, Window(SHOP.start_date, SHOP.start_date + timedelta(days=SHOP.days - 1), True)


@pytest.fixture(scope="module")
def trained(shop):
    days, truth, window = shop
    return train_clv(days, window, ClvParams(), truth)


def test_recovers_known_parameters_and_beats_same_rate():
    people = btyd_population(5000, 180, 28, seed=0, **TRUTH)
    fitted = BetaGeo.fit(people["frequency"], people["recency"], people["T"])
    # tolerances about 3.5 standard deviations of the estimates over seeds (r 3 %, alpha 6 %, a 8 %, b 9 %)
    assert fitted.r == pytest.approx(TRUTH["r"], rel=0.1)
    assert fitted.alpha == pytest.approx(TRUTH["alpha"], rel=0.2)
    assert fitted.a == pytest.approx(TRUTH["a"], rel=0.3)
    assert fitted.b == pytest.approx(TRUTH["b"], rel=0.3)
    predicted = fitted.expected_purchases(28, people["frequency"], people["recency"], people["T"])
    same_rate = people["frequency"] / people["T"] * 28
    mae, baseline_mae = np.mean(np.abs(predicted - people["holdout"])), np.mean(np.abs(same_rate - people["holdout"]))
    assert mae < 0.8 * baseline_mae
    assert predicted.sum() == pytest.approx(people["holdout"].sum(), rel=0.1)


def test_simulated_shop_tracks_the_oracle_better_than_same_rate(trained):
    m = trained.metrics
    assert all(math.isfinite(v) for v in m.values()), m
    assert m["oracle_correlation"] > max(m["baseline_oracle_correlation"], 0.6)
    assert m["holdout_mae"] < m["baseline_holdout_mae"]
    assert m["nan_predictions"] == 0 and m["oracle_customers"] > 0.9 * m["calibration_customers"]
    assert trained.by_frequency["customers"].sum() == m["calibration_customers"] == len(trained.holdout)
    assert trained.model.spend is not None and trained.notes == []
    assert (trained.calibration_end - SHOP.start_date).days % 7 == 0


def test_cannot_fit_without_orders(shop):
    _, _, window = shop
    with pytest.raises(CannotFit, match="no orders"):
        train_clv(pd.DataFrame({"user_id": [], "day": pd.to_datetime([]), "value": []}), window, ClvParams())


def test_cannot_fit_a_short_window(shop):
    days, _, window = shop
    short = Window(window.start, window.start + timedelta(days=19), True)
    with pytest.raises(CannotFit, match="20 days of data"):
        train_clv(days[days["day"] <= pd.Timestamp(short.end)], short, ClvParams())


def test_cannot_fit_too_few_customers(shop):
    days, _, window = shop
    few = days[days["user_id"].isin(days["user_id"].drop_duplicates().head(10))]
    with pytest.raises(CannotFit, match="customers bought before"):
        train_clv(few, window, ClvParams())


def test_no_prices_models_purchases_only(shop):
    days, _, window = shop
    unpriced = Window(window.start, window.end, has_prices=False)
    training = train_clv(days.assign(value=np.nan), unpriced, ClvParams())
    assert training.model.spend is None and any("no spend" in note for note in training.notes)
    assert "frequency_monetary_correlation" not in training.metrics
    value = training.model.value(training.holdout[SUMMARY_COLUMNS])
    assert value[["p_alive", "expected_purchases_30d", "expected_purchases_90d"]].notna().all().all()
    assert value[["expected_order_value", "expected_spend_90d"]].isna().all().all()


def test_value_columns(trained, shop):
    days, _, _ = shop
    value = trained.model.value(rfm_summary(days, trained.calibration_end))
    assert list(value.columns) == VALUE_COLUMNS
    assert value["p_alive"].between(0, 1).all() and (value["p_alive"][value["frequency"] == 0] == 1).all()
    assert (value["expected_purchases_90d"] >= value["expected_purchases_30d"]).all()
    assert (value["expected_order_value"] > 0).all()


@pytest.mark.filterwarnings("ignore:Hint. Inferred schema contains integer column:UserWarning")  # frequency counts: never missing
def test_pyfunc_round_trip(trained, tmp_path):
    summary = trained.holdout[SUMMARY_COLUMNS]
    expected = trained.model.value(summary)
    previous = mlflow.get_tracking_uri()
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    try:
        # artifacts under tmp_path too: a sqlite store's default experiment would write ./mlruns
        experiment = mlflow.create_experiment("clv", artifact_location=(tmp_path / "artifacts").as_uri())
        with mlflow.start_run(experiment_id=experiment):
            info = mlflow.pyfunc.log_model(name="clv", python_model=ClvPyfunc(trained.model), pip_requirements=[],
                                           input_example=summary.head(5))
        loaded = mlflow.pyfunc.load_model(info.model_uri)
    finally:
        mlflow.set_tracking_uri(previous)
    pd.testing.assert_frame_equal(pd.DataFrame(loaded.predict(summary)), expected)


def test_calibration_plot(trained, tmp_path):
    path = save_calibration_plot(trained.by_frequency, ClvParams().holdout_days, tmp_path / "plots" / "clv_calibration.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000
