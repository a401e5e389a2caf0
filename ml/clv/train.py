"""Fit the CLV model on a calibration period and judge it on the holdout after it.

Calibration ends on a weekly cutoff (the data start + 7 k days, like the `labels` mart's, so the
simulator's truth at that cutoff applies) chosen as the latest whose `holdout_days` are all observed.
Every customer with a purchase before it is judged on the purchase days inside the holdout, beside
the baseline a careful analyst would try first: the customer keeps the rate of repeat purchases
seen since the first one (frequency / T per day).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from ml.clv.btyd import BetaGeo, FitFailed, GammaGamma
from ml.clv.data import Window, purchases_between, rfm_summary
from ml.clv.model import ClvModel, ClvParams

ORACLE_COLUMN = "expected_purchase_days_28d"  # the simulator's truth: E[purchase days in the 28 days after a cutoff]
ORACLE_DAYS = 28
MIN_SPEND_CUSTOMERS = 10  # repeat customers with a known value Gamma-Gamma needs
MIN_REPEAT_CUSTOMERS = 10  # fewer, and the fit says how little it rests on
TOP_BUCKET = 7  # the calibration plot's last frequency bucket is "7+"


class CannotFit(ValueError):
    """The data cannot fit or judge a CLV model: a reason, not a crash."""


@dataclass
class ClvTraining:
    model: ClvModel
    calibration_end: date
    metrics: dict[str, float]
    holdout: pd.DataFrame  # per calibration customer: the summary, actual, predicted and baseline
    by_frequency: pd.DataFrame  # the BTYD calibration plot's table: mean actual / predicted / baseline per bucket
    notes: list[str]


def calibration_end(window: Window, params: ClvParams) -> date:
    """The latest weekly cutoff with `min_calibration_days` before it and `holdout_days` observed after it."""
    weeks = (window.days - params.holdout_days) // 7
    end = window.start + timedelta(days=7 * weeks)
    if weeks < 1 or (end - window.start).days < params.min_calibration_days:
        raise CannotFit(f"{window.days} day{'s' * (window.days != 1)} of data ({window.start}..{window.end}); CLV needs "
                        f"{params.min_calibration_days} days of calibration and a {params.holdout_days}-day holdout")
    return end


def fit_model(summary: pd.DataFrame, has_prices: bool, penalizer: float) -> tuple[ClvModel, list[str]]:
    """BG/NBD on every customer; Gamma-Gamma on the repeat customers with a known value (or a note why not)."""
    try:
        purchases = BetaGeo.fit(summary["frequency"], summary["recency"], summary["T"], penalizer)
    except FitFailed as failure:
        raise CannotFit(str(failure)) from failure
    repeaters = int((summary["frequency"] > 0).sum())
    notes = [] if repeaters >= MIN_REPEAT_CUSTOMERS else [
        f"{repeaters} repeat customers: the purchase model's estimates rest on very few repeat purchases"]
    paying = summary[(summary["frequency"] > 0) & (summary["monetary_value"] > 0)]
    spend = None
    if not has_prices:
        notes.append("no spend: the source has no prices, so CLV models purchases only")
    elif len(paying) < MIN_SPEND_CUSTOMERS:
        notes.append(f"no spend: {len(paying)} repeat customers with a known value; Gamma-Gamma needs {MIN_SPEND_CUSTOMERS}")
    else:
        try:
            spend = GammaGamma.fit(paying["frequency"], paying["monetary_value"], penalizer)
        except FitFailed as failure:
            notes.append(f"no spend: {failure}")
    return ClvModel(purchases, spend), notes


def judged(model: ClvModel, summary: pd.DataFrame, purchase_days: pd.DataFrame, end: date, holdout_days: int) -> pd.DataFrame:
    """The calibration summary (rfm_summary up to `end`) with each customer's actual, predicted and baseline
    purchase days in the holdout."""
    actual = purchases_between(purchase_days, end, holdout_days)
    return summary.assign(
        actual=summary["user_id"].map(actual).fillna(0).astype(float),
        predicted=model.expected_purchases(summary, holdout_days),
        baseline=summary["frequency"] / summary["T"].clip(lower=1.0) * holdout_days,
    )


def holdout_metrics(model: ClvModel, purchase_days: pd.DataFrame, window: Window, params: ClvParams) -> dict[str, float]:
    """MAE of a fitted model on the newest holdout (what the promotion gate compares)."""
    end = calibration_end(window, params)
    rows = judged(model, rfm_summary(purchase_days, end), purchase_days, end, params.holdout_days)
    return {"holdout_mae": _mae(rows["predicted"], rows["actual"]), "nan_predictions": int(rows["predicted"].isna().sum())}


def _mae(predicted: pd.Series, actual: pd.Series) -> float:
    return float(np.mean(np.abs(predicted - actual)))


def _rmse(predicted: pd.Series, actual: pd.Series) -> float:
    return float(np.sqrt(np.mean((predicted - actual) ** 2)))


def by_frequency(rows: pd.DataFrame) -> pd.DataFrame:
    """Mean actual, predicted and baseline holdout purchases by calibration frequency (0, 1, ..., 7+)."""
    bucket = rows["frequency"].clip(upper=TOP_BUCKET).astype(int)
    table = rows.groupby(bucket)[["actual", "predicted", "baseline"]].mean()
    table.insert(0, "customers", rows.groupby(bucket).size())
    labels = [f"{TOP_BUCKET}+" if f == TOP_BUCKET else str(f) for f in table.index]
    return table.reset_index(drop=True).assign(frequency=labels)[["frequency", "customers", "actual", "predicted", "baseline"]]


def _oracle(rows: pd.DataFrame, truth: pd.DataFrame | None, end: date, holdout_days: int) -> tuple[dict[str, float], list[str]]:
    if truth is None:
        return {}, []
    if holdout_days != ORACLE_DAYS:
        return {}, [f"no oracle: the simulator's truth counts {ORACLE_DAYS} days, the holdout is {holdout_days}"]
    at_end = truth[pd.to_datetime(truth["cutoff_date"]) == pd.Timestamp(end)][["user_id", ORACLE_COLUMN]]
    joined = rows.merge(at_end, on="user_id", how="inner")
    if len(joined) < 3:
        return {}, [f"no oracle: the simulator's truth has no cutoff on {end}"]
    oracle = joined[ORACLE_COLUMN]
    return {
        "oracle_correlation": float(np.corrcoef(joined["predicted"], oracle)[0, 1]),
        "baseline_oracle_correlation": float(np.corrcoef(joined["baseline"], oracle)[0, 1]),
        "oracle_holdout_mae": _mae(oracle, joined["actual"]),
        "oracle_holdout_rmse": _rmse(oracle, joined["actual"]),
        "oracle_customers": float(len(joined)),
    }, []


def train_clv(purchase_days: pd.DataFrame, window: Window, params: ClvParams,
              truth: pd.DataFrame | None = None) -> ClvTraining:
    """Fit on the calibration period, judge on the holdout (and against the simulator's truth when given)."""
    if purchase_days.empty:
        raise CannotFit("the source has no orders: nothing to model customer value on")
    end = calibration_end(window, params)
    summary = rfm_summary(purchase_days, end)
    if len(summary) < params.min_customers:
        raise CannotFit(f"{len(summary)} customers bought before {end}; CLV needs {params.min_customers}")
    model, notes = fit_model(summary, window.has_prices, params.penalizer)
    rows = judged(model, summary, purchase_days, end, params.holdout_days)
    oracle, oracle_notes = _oracle(rows, truth, end, params.holdout_days)
    metrics = {
        "holdout_mae": _mae(rows["predicted"], rows["actual"]),
        "baseline_holdout_mae": _mae(rows["baseline"], rows["actual"]),
        # MAE rewards the median (0 for most one-time buyers), RMSE the mean, which BG/NBD estimates
        "holdout_rmse": _rmse(rows["predicted"], rows["actual"]),
        "baseline_holdout_rmse": _rmse(rows["baseline"], rows["actual"]),
        "holdout_actual_mean": float(rows["actual"].mean()),
        "holdout_predicted_mean": float(rows["predicted"].mean()),
        "calibration_customers": float(len(rows)),
        "repeat_customers": float((rows["frequency"] > 0).sum()),
        "nan_predictions": float(rows["predicted"].isna().sum()),
        **oracle,
    }
    if model.spend is not None:
        paying = rows[(rows["frequency"] > 0) & (rows["monetary_value"] > 0)]
        # Gamma-Gamma assumes spend per purchase independent of how often a customer buys
        metrics["frequency_monetary_correlation"] = float(np.corrcoef(paying["frequency"], paying["monetary_value"])[0, 1])
    return ClvTraining(model, end, metrics, rows, by_frequency(rows), notes + oracle_notes)
