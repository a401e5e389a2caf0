"""What real sources lack: all-null and constant features, tiny cutoffs, a single class, unsold horizons."""

import numpy as np
import pandas as pd
import pytest

from ml.classifiers import train_classifier
from ml.datasets import TooLittleData, informative, without_small_cutoffs
from ml.demand import train_demand, wape

LABEL = "purchased_next_7d"


def test_constant_and_all_null_features_are_dropped_from_the_model(frame):
    lacking = frame.assign(views_30d=np.nan, spend_30d=0.0)  # a source without views or prices
    result = train_classifier(lacking, LABEL, seed=0)
    assert result.dropped_features == ["views_30d", "spend_30d"]
    assert list(result.model.get_booster().feature_names) == result.features
    assert "views_30d" not in result.features and "views_7d" in result.features


def test_informative_keeps_features_with_two_values():
    table = pd.DataFrame({"a": [1, 2, 1], "b": [np.nan] * 3, "c": [5, 5, np.nan]})
    assert informative(table, ["a", "b", "c"]) == (["a"], ["b", "c"])


def test_small_cutoffs_are_left_out_and_named(frame):
    stray = frame.iloc[:3].assign(event_timestamp=pd.Timestamp("2023-11-06", tz="UTC"))
    kept, small = without_small_cutoffs(pd.concat([stray, frame]), min_rows=20)
    assert small == {"2023-11-06": 3} and len(kept) == len(frame)


def test_a_single_class_in_the_test_cutoff_is_a_reason_not_a_crash(frame):
    last = frame["event_timestamp"] == frame["event_timestamp"].max()
    with pytest.raises(TooLittleData, match=r"the test cutoffs \(2024-02-05\) hold a single class: 500 rows, all negative"):
        train_classifier(frame.assign(**{LABEL: frame[LABEL] & ~last}), LABEL, seed=0)


def test_the_rfm_baseline_is_scored_on_the_same_split(frame):
    rfm = frame.assign(tenure_days=frame["views_7d"] * 3, orders_365d=frame["purchases_7d"], spend_30d=frame["carts_7d"] * 9.5)
    metrics = train_classifier(rfm, LABEL, seed=0).metrics
    assert 0.5 < metrics["baseline_rfm_logreg_test_roc_auc"] < metrics["test_roc_auc"]  # trees catch the interactions


def test_a_horizon_without_sold_units_logs_no_wape_but_a_note(demand):
    last_day = demand["demand_date"].max()
    quiet = demand.assign(units=np.where(demand["demand_date"] == last_day, 0, demand["units"]))
    result = train_demand(quiet, seed=0)
    assert "test_wape_h7" not in result.metrics and "test_mae_h7" in result.metrics
    assert result.notes == ["test_wape_h7: no units sold in its test days, so no WAPE"]
    assert np.isnan(wape([0, 0], [1, 2]))
