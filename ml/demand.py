"""Daily product demand forecasting: one XGBoost regressor over horizons 1..7 and a seasonal-naive baseline.

Every feature of a target day t is known at the forecast origin t - horizon: unit lags of
7/14/21/28 days (all >= horizon) and 7/28-day means and the last price ending at t - horizon,
plus t's day of week. One model therefore serves every horizon 1..horizon directly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from xgboost import XGBRegressor

from ml.catalogue import DEMAND_XGB

LAGS = (7, 14, 21, 28)
MIN_HISTORY_DAYS = 28
FEATURES = [f"lag_{lag}" for lag in LAGS] + ["mean_7d", "mean_28d", "last_price", "day_of_week"]


@dataclass(frozen=True)
class DemandResult:
    """The fitted regressor, its settings, the windows' first days and the test metrics."""

    model: XGBRegressor
    params: dict
    horizon: int
    valid_start: pd.Timestamp
    test_start: pd.Timestamp
    metrics: dict[str, float]
    notes: list[str]  # metrics left out, and why


def wape(y_true, y_pred) -> float:
    """Weighted absolute percentage error: sum |y - y_hat| / sum |y|; NaN (undefined) without sold units."""
    y = np.asarray(y_true, dtype=float)
    total = np.abs(y).sum()
    return float(np.abs(y - np.asarray(y_pred, dtype=float)).sum() / total) if total > 0 else float("nan")


def mae(y_true, y_pred) -> float:
    """Mean absolute error."""
    return float(np.mean(np.abs(np.asarray(y_true, dtype=float) - np.asarray(y_pred, dtype=float))))


def _check_horizon(horizon: int) -> None:
    if not 1 <= horizon <= min(LAGS):
        raise ValueError(f"horizon must be in 1..{min(LAGS)} so that every lag is known at the origin")


def with_features(demand: pd.DataFrame, horizon: int) -> pd.DataFrame:
    """Sort by product and day, keep products with >= 28 days of history, add FEATURES.
    Expects one row per product and day (zero-filled), as product_demand_daily has."""
    _check_horizon(horizon)
    frame = demand.assign(demand_date=pd.to_datetime(demand["demand_date"])).sort_values(["product_id", "demand_date"])
    frame = frame[frame.groupby("product_id")["demand_date"].transform("size") >= MIN_HISTORY_DAYS]
    product = frame["product_id"]
    units = frame.groupby(product)["units"]
    at_origin = units.shift(horizon).groupby(product)

    def mean_at_origin(days: int) -> pd.Series:
        return at_origin.rolling(days, min_periods=1).mean().reset_index(level=0, drop=True)

    return frame.assign(
        **{f"lag_{lag}": units.shift(lag) for lag in LAGS},
        mean_7d=mean_at_origin(7),
        mean_28d=mean_at_origin(28),
        last_price=frame.groupby(product)["mean_price"].ffill().groupby(product).shift(horizon),
        day_of_week=frame["demand_date"].dt.dayofweek,
    ).reset_index(drop=True)


def horizon_metrics(test: pd.DataFrame, y_pred: np.ndarray, test_start: pd.Timestamp, horizon: int) -> dict:
    """test_wape_h<h> and test_mae_h<h> for h = days after the forecast origin (day before test_start)."""
    h = (test["demand_date"] - test_start).dt.days.to_numpy() + 1
    out = {}
    for step in range(1, horizon + 1):
        at = h == step
        out[f"test_wape_h{step}"] = wape(test["units"].to_numpy()[at], y_pred[at])
        out[f"test_mae_h{step}"] = mae(test["units"].to_numpy()[at], y_pred[at])
    return out


def train_demand(demand: pd.DataFrame, *, seed: int = 0, horizon: int = 7, params: dict | None = None) -> DemandResult:
    """Fit on all but the last 2 * horizon days, early-stop on the `horizon` days before the
    test window, and score the last `horizon` days against seasonal-naive (units 7 days before)."""
    frame = with_features(demand, horizon)
    last_day = frame["demand_date"].max()
    test_start = last_day - pd.Timedelta(days=horizon - 1)
    valid_start = test_start - pd.Timedelta(days=horizon)
    train = frame[(frame["demand_date"] < valid_start) & frame["lag_7"].notna()]
    valid = frame[(frame["demand_date"] >= valid_start) & (frame["demand_date"] < test_start)]
    test = frame[frame["demand_date"] >= test_start]

    params = {**DEMAND_XGB, **(params or {}), "random_state": seed}
    model = XGBRegressor(**params)
    model.fit(train[FEATURES], train["units"], eval_set=[(valid[FEATURES], valid["units"])], verbose=False)
    y_pred = np.clip(model.predict(test[FEATURES]), 0, None)
    naive = test["lag_7"].fillna(0).to_numpy()
    metrics = {
        "test_wape": wape(test["units"], y_pred),
        "test_mae": mae(test["units"], y_pred),
        "baseline_seasonal_naive_test_wape": wape(test["units"], naive),
        "baseline_seasonal_naive_test_mae": mae(test["units"], naive),
        **horizon_metrics(test, y_pred, test_start, horizon),
    }
    notes = [f"{name}: no units sold in its test days, so no WAPE" for name, value in metrics.items()
             if "wape" in name and np.isnan(value)]
    metrics = {name: value for name, value in metrics.items() if not np.isnan(value)}
    return DemandResult(model, params, horizon, valid_start, test_start, metrics, notes)


def forecast_demand(model: XGBRegressor, demand: pd.DataFrame, horizon: int = 7) -> pd.DataFrame:
    """Forecast units for the `horizon` days after the last day of demand, per product,
    with a model trained for that horizon (its features are known `horizon` days ahead)."""
    history = demand.assign(demand_date=pd.to_datetime(demand["demand_date"]))
    last_day = history["demand_date"].max()
    future_days = pd.date_range(last_day + pd.Timedelta(days=1), periods=horizon, freq="D")
    future = pd.MultiIndex.from_product(
        [history["product_id"].unique(), future_days], names=["product_id", "demand_date"]
    ).to_frame(index=False)
    extended = pd.concat([history, future.assign(units=np.nan, mean_price=np.nan)], ignore_index=True)
    frame = with_features(extended, horizon)
    ahead = frame[frame["demand_date"] > last_day]
    return pd.DataFrame(
        {
            "product_id": ahead["product_id"].to_numpy(),
            "forecast_date": ahead["demand_date"].dt.date.to_numpy(),
            "units_forecast": np.clip(model.predict(ahead[FEATURES]), 0, None),
        }
    )
