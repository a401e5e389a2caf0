import numpy as np
import pandas as pd
import pytest

from ml.demand import forecast_demand, mae, train_demand, wape


def synthetic_demand(n_products: int = 15, n_days: int = 112, seed: int = 0) -> pd.DataFrame:
    """Poisson daily units with a per-product level, an upward trend and a weekly pattern."""
    rng = np.random.default_rng(seed)
    days = pd.date_range("2024-01-01", periods=n_days, freq="D")
    weekly = np.array([1.0, 0.8, 0.8, 1.0, 1.3, 1.8, 1.5])
    rows = []
    for i in range(n_products):
        level = rng.uniform(2, 10)
        rate = level * (1 + 0.01 * np.arange(n_days)) * weekly[days.dayofweek]
        units = rng.poisson(rate)
        price = rng.uniform(5, 50)
        rows.append(
            pd.DataFrame(
                {
                    "product_id": f"p{i:03d}",
                    "demand_date": days.date,
                    "units": units,
                    "mean_price": np.where(units > 0, price, np.nan),
                }
            )
        )
    return pd.concat(rows, ignore_index=True)


@pytest.fixture(scope="module")
def demand():
    return synthetic_demand()


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
