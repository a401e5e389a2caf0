"""The Evidently reports on generated rows: shifted columns are found, stable ones are not."""

import numpy as np
import pandas as pd
import pytest

from monitoring.drift import distinct_features, drift
from monitoring.inputs import input_problems, not_applicable
from monitoring.performance import performance
from monitoring.store import add_snapshot, load_summary, save_report


def _rows(n, shift, seed):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "views_7d": rng.poisson(5 + shift * 5, n),
        "spend_30d": rng.gamma(2.0, 10.0 * (1 + shift), n),
        "stable": rng.normal(size=n),
        "rate": rng.uniform(size=n),
    })


def test_shifted_columns_drift_and_stable_ones_do_not():
    result = drift(_rows(300, 1.0, 1), _rows(2000, 0.0, 2), ["views_7d", "spend_30d", "stable", "rate"])
    assert set(result.drifted) == {"views_7d", "spend_30d"}
    assert result.share == 0.5
    assert set(result.columns["method"]) == {"ks"}  # a test, not a distance, even above 1 000 rows


def test_same_distribution_has_no_drift_on_most_draws():
    shares = [drift(_rows(200, 0.0, seed), _rows(2000, 0.0, 100 + seed), ["views_7d", "spend_30d", "stable", "rate"]).share
              for seed in range(5)]
    assert sum(s > 0.25 for s in shares) <= 1


def test_missing_columns_are_a_clear_error():
    with pytest.raises(ValueError, match="spend_30d"):
        drift(_rows(10, 0, 1).drop(columns="spend_30d"), _rows(10, 0, 2), ["spend_30d"])


def test_broken_inputs_are_named():
    current = _rows(50, 0, 1).assign(score=np.nan, stable=np.nan)
    problems = input_problems(current, _rows(0, 0, 2).assign(score=[]), ["stable", "missing"], ["score"])
    assert "reference rows: none" in problems
    assert any("lack column(s) missing" in p for p in problems)
    assert any("entirely null: stable" in p for p in problems)
    assert any("score(s) with NaN: score" in p for p in problems)
    assert input_problems(_rows(5, 0, 1), _rows(5, 0, 2), ["stable"], []) == []


def test_a_feature_null_on_both_sides_is_not_applicable_not_broken():
    current, reference = _rows(50, 0, 1).assign(views_30d=np.nan), _rows(50, 0, 2).assign(views_30d=np.nan)
    assert not_applicable(current, reference, ["stable", "views_30d"]) == ["views_30d"]
    assert input_problems(current, reference, ["stable", "views_30d"], []) == []
    # null on one side only is still a broken input
    assert input_problems(current, _rows(50, 0, 2).assign(views_30d=1.0), ["views_30d"], []) != []


def test_near_copies_count_once_in_the_drift_share():
    rng = np.random.default_rng(0)
    days = rng.poisson(2, 300)
    reference = pd.DataFrame({"days_90d": days, "days_365d": days, "orders_90d": days * 2 + (rng.random(300) < 0.01),
                              "views_30d": rng.poisson(5, 300)})
    groups = distinct_features(reference, list(reference.columns))
    assert groups == {"days_90d": ["days_365d", "orders_90d"], "views_30d": []}


def test_realised_performance_against_validation():
    rng = np.random.default_rng(0)
    label = rng.integers(0, 2, 500)
    scored = pd.DataFrame({"label": label, "score": np.clip(0.2 + 0.5 * label + rng.normal(0, 0.3, 500), 0, 1), "cutoff": 1})
    result = performance(scored, {"roc_auc": 0.99})
    assert 0.8 < result.realised["roc_auc"] < 0.99
    assert result.auc_drop == pytest.approx(0.99 - result.realised["roc_auc"])
    one_class = performance(scored.assign(label=0), {"roc_auc": 0.9})
    assert one_class.realised["roc_auc"] is None and one_class.auc_drop is None


def test_reports_are_saved_by_day_and_added_to_the_workspace(tmp_path):
    from evidently.ui.workspace import Workspace

    from monitoring.store import PROJECT

    result = drift(_rows(100, 1.0, 1), _rows(500, 0.0, 2), ["views_7d", "stable"])
    html, summary = save_report(tmp_path, "2024-03-01", "feature_drift_report", result.snapshot, result.summary())
    assert html.stat().st_size > 100_000 and summary.parent.name == "2024-03-01"
    assert load_summary(tmp_path, "2024-03-01", "feature_drift_report")["drifted_columns"] == result.drifted
    assert load_summary(tmp_path, "2024-03-02", "feature_drift_report") is None
    add_snapshot(tmp_path, "2024-03-01", "feature_drift_report", result.snapshot)
    add_snapshot(tmp_path, "2024-03-01", "feature_drift_report", result.snapshot)  # a rerun replaces it
    add_snapshot(tmp_path, "2024-03-02", "feature_drift_report", result.snapshot)
    workspace = Workspace.create(str(tmp_path / "workspace"))
    [project] = workspace.search_project(PROJECT)
    assert len(workspace.list_runs(project.id)) == 2
    assert len(project.dashboard.model().panels) == 2


def test_the_level_decides_what_counts_as_drift():
    current, reference = _rows(150, 0.15, 3), _rows(1500, 0.0, 4)
    loose = drift(current, reference, ["views_7d", "spend_30d"], p_value=0.05)
    strict = drift(current, reference, ["views_7d", "spend_30d"], p_value=1e-12)
    assert len(strict.drifted) < len(loose.drifted)
    assert set(strict.columns["threshold"]) == {1e-12}
