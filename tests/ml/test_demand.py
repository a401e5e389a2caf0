import pandas as pd
import pytest

from ml.demand import forecast_demand, mae, train_demand, wape, with_features


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


@pytest.mark.parametrize("horizon", [1, 7])
def test_features_are_known_at_the_origin(demand, horizon):
    """Each product's features by hand: means of the units up to `horizon` days back, the last price known then."""
    sparse = demand.assign(mean_price=(demand["mean_price"] + 0.01 * demand.index).where(demand.index % 3 > 0))
    features = with_features(sparse, horizon)
    for _, rows in features.groupby("product_id"):
        units, prices = rows["units"].tolist(), rows["mean_price"].tolist()
        for i in range(len(rows)):
            known_units, known_prices = units[:max(0, i - horizon + 1)], prices[:max(0, i - horizon + 1)]
            week, month = known_units[-7:], known_units[-28:]
            known = [p for p in known_prices if not pd.isna(p)]
            row = rows.iloc[i]
            assert row["mean_7d"] == pytest.approx(sum(week) / len(week)) if week else pd.isna(row["mean_7d"])
            assert row["mean_28d"] == pytest.approx(sum(month) / len(month)) if month else pd.isna(row["mean_28d"])
            assert row["last_price"] == known[-1] if known else pd.isna(row["last_price"])
            assert row["lag_7"] == units[i - 7] if i >= 7 else pd.isna(row["lag_7"])
