import pandas as pd
import pytest

from ml.demand import forecast_demand, mae, train_demand, wape


@pytest.fixture(scope="module")
def result(demand):
    return train_demand(demand, seed=0)


def test_wape_and_mae_by_hand():
    assert wape([1, 3], [2, 1]) == pytest.approx(3 / 4)
    assert mae([1, 3], [2, 1]) == pytest.approx(1.5)
    assert wape([1, 3], [1, 3]) == 0.0


def test_beats_seasonal_naive(result):
    m = result.metrics
    assert m["test_wape"] < m["baseline_seasonal_naive_test_wape"]
    assert m["test_mae"] < m["baseline_seasonal_naive_test_mae"]
    assert m["test_wape"] < 0.35


def test_seven_horizons(result, demand):
    assert {f"test_{m}_h{h}" for m in ("wape", "mae") for h in range(1, 8)} <= set(result.metrics)
    last_day = pd.Timestamp(max(demand["demand_date"]))
    assert result.test_start == last_day - pd.Timedelta(days=6)
    assert result.valid_start == result.test_start - pd.Timedelta(days=7)


def test_forecast_covers_the_next_days(result, demand):
    forecast = forecast_demand(result.model, demand)
    last_day = max(demand["demand_date"])
    assert len(forecast) == 15 * 7
    assert sorted(forecast["forecast_date"].unique()) == [last_day + pd.Timedelta(days=h) for h in range(1, 8)]
    assert (forecast["units_forecast"] >= 0).all()
    assert forecast["units_forecast"].notna().all()


def test_same_seed_same_metrics(demand, result):
    assert train_demand(demand, seed=0).metrics == result.metrics


def test_horizon_beyond_lags_is_refused(demand):
    with pytest.raises(ValueError, match="horizon"):
        train_demand(demand, horizon=8)
