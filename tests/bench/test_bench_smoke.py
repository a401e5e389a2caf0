"""`make bench` at a tiny size: the scripts run, the day's result file holds every figure the tables read.

The whole `run_all.py --tiny` takes ≈ 10 minutes (a fresh process per stage); this runs the benches
behind the issue-15 tables (training against bare XGBoost, the tutorial, the scale curve with its
quality table) and one with a CLI of its own. Nothing here asserts a time.
"""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCHES = ("training", "tutorial", "scale", "damaged")


def test_make_bench_writes_the_days_results_and_tables(tmp_path):
    results = tmp_path / "results"
    command = [sys.executable, str(ROOT / "bench" / "run_all.py"), "--tiny", "--results", str(results)]
    subprocess.run([*command, *(f"--only={b}" for b in BENCHES)], check=True, capture_output=True, timeout=1200)

    [day] = results.glob("????-??-??.json")
    run = json.loads(day.read_text())
    assert run["machine"]["cpus"] >= 1 and run["machine"]["memory_gib"] > 0
    assert {"dagster", "feast", "mlflow", "dbt-core", "xgboost-cpu"} <= set(run["versions"])
    assert set(run["benches"]) == {*BENCHES}
    training = run["benches"]["training"]["5000"]
    assert training["runs"] == 1 and training["train"]["baseline_train_rows"] > 0 and training["bare_xgboost"]["fit_seconds"] > 0
    tutorial = run["benches"]["tutorial"]["20000"]
    for split in ("tutorial_random", "tutorial_time"):
        assert 0.5 < tutorial[split]["test_roc_auc"] <= 1 and 0 < tutorial[split]["oracle_auc_ratio"] <= 1.2
    assert tutorial["tutorial_time"]["test_rows_with_later_train_row"] == 0  # the time split never sees the future
    e2e = run["benches"]["scale"]["20000"]["e2e"]
    assert e2e["run_seconds"] > 0 and e2e["run_peak_rss_mib"] > 100
    assert e2e["dominant_group"] in e2e["groups"] and sum(g["steps"] for g in e2e["groups"].values()) >= 40
    assert {"purchase_propensity", "churn"} <= set(e2e["quality"])
    assert "oracle_roc_auc" in e2e["quality"]["purchase_propensity"]
    assert len(run["benches"]["damaged"]["all"]["cases"]) == 4

    readme = (results / "README.md").read_text()
    assert "### Issue 15's targets" in readme and "training at 1 M rows ≤ 5× bare XGBoost" in readme
    assert "### The scale curve" in readme and "### The tutorial approach beside ShopLens" in readme
    assert "ShopLens (`shoplens run`, champion)" in readme and "### Model quality at 20 k events" in readme
    assert (ROOT / "bench" / "README.md").read_text().count("make bench: begin") <= 1  # the repo's tables untouched
