"""The drift scenario as on-call would run it: `shoplens scenario drift` in a fresh process."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from shoplens.settings import without_settings

SHOPLENS = str(Path(sys.executable).parent / "shoplens")


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    """A smaller shop than the default: 7 clean days, then 3 drifted ones (clean days drift 4–12 %, the first
    drifted one 65 %, against the policy's 30 %)."""
    data = tmp_path_factory.mktemp("scenario")
    env = without_settings(os.environ)
    done = subprocess.run([SHOPLENS, "--data-dir", str(data), "scenario", "drift", "--users", "2000", "--clean-days", "7",
                           "--drift-days", "3"], env=env, capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    root = data / "scenarios" / "drift"
    return json.loads((root / "scenario_drift.json").read_text()), done.stdout, root


@pytest.mark.slow
def test_clean_days_raise_few_alarms_and_the_drift_is_found_within_two_days(scenario):
    result, stdout, _ = scenario
    clean = [d for d in result["timeline"] if not d["drifting"]]
    assert len(clean) == 7
    assert result["false_alarm_rate"] <= 0.2
    assert result["detection_delay_days"] is not None and 0 <= result["detection_delay_days"] <= 2
    assert "timeline" in stdout and "false-alarm rate" in stdout and "detection delay" in stdout


@pytest.mark.slow
def test_the_sensor_requests_exactly_one_retraining_with_its_reasons(scenario):
    import dagster as dg

    result, _, root = scenario
    assert len(result["retrain_runs"]) == 1
    with dg.DagsterInstance.from_config(str(root / "dagster")) as instance:
        runs = instance.get_runs(filters=dg.RunsFilter(job_name="retrain_job"))
    assert [run.run_id for run in runs] == result["retrain_runs"]
    tags = runs[0].tags
    assert tags["shoplens/trigger"] == "drift_sensor" and "drift" in tags["shoplens/retrain_reasons"]
    first_alarm = next(d for d in result["timeline"] if d["retrain"])
    assert tags["shoplens/as_of"] == first_alarm["day"]


@pytest.mark.slow
def test_the_retrained_challengers_are_promoted_only_if_better(scenario):
    result, _, root = scenario
    assert {d.split(":")[0] for d in result["promotion_decisions"]} == {
        "check_purchase_propensity_promotion", "check_churn_promotion", "check_demand_forecast_promotion",
        "check_recommender_promotion", "check_clv_promotion", "check_sentiment_promotion"}
    from ml.catalogue import GATES
    from ml.promotion import history
    from shoplens.settings import Settings

    decisions = pd.concat([history(model, Settings(data_dir=root)) for model in GATES], ignore_index=True)
    retrained = decisions[decisions["old_champion_version"].notna()]
    assert sorted(retrained["model"]) == ["churn", "clv", "demand_forecast", "purchase_propensity", "recommender", "sentiment"]
    for row in retrained.itertuples():
        improvement = (row.challenger_score - row.champion_score) * (1 if GATES[row.model].higher_is_better else -1)
        if row.promoted:
            assert improvement >= 0.005, row
        else:
            assert improvement < 0.005 or "calibration" in str(row.reasons), row
    promoted = bool(retrained.loc[retrained["model"] == "purchase_propensity", "promoted"].iloc[0])
    champions = [d["champion"] for d in result["timeline"]]
    assert champions[0] == 1 and champions[-1] == (2 if promoted else 1)
