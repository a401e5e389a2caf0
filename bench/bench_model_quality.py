"""Model quality on two shops through `shoplens run`: every classifier and baseline's test ROC AUC.

    python bench/bench_model_quality.py

- demo: the default simulated shop (5,000 users, 60 days, seed 42), with the oracle ratio;
- purchase_only: a simulated shop of 20,000 users over 120 days (seed 3) written as an Online
  Retail II export (purchases and 2 % cancellations only: no views, carts, sessions or reviews).
Each runs in a fresh data directory; the champions' MLflow runs are read back. Results append
to bench/results/model_quality.jsonl.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from stages import ROOT, append_result

sys.path.insert(0, str(ROOT))
SHOPLENS = Path(sys.executable).parent / "shoplens"
MODELS = ("purchase_propensity", "churn")


def _run(data_dir: Path, *args: str) -> None:
    subprocess.run([str(SHOPLENS), "--data-dir", str(data_dir), *args], check=True, stdout=subprocess.DEVNULL)


def _metrics(data_dir: Path) -> dict:
    import mlflow

    client = mlflow.MlflowClient(f"sqlite:///{data_dir / 'mlflow' / 'mlflow.db'}")
    out = {}
    for model in MODELS:
        version = client.get_model_version_by_alias(model, "champion")
        metrics = client.get_run(version.run_id).data.metrics
        out[model] = {k: round(v, 4) for k, v in sorted(metrics.items())
                      if k.endswith("test_roc_auc") or k in ("oracle_roc_auc", "oracle_auc_ratio")}
    return out


def demo(work: Path) -> dict:
    _run(work / "demo", "demo")
    return _metrics(work / "demo")


def purchase_only(work: Path) -> dict:
    from simulator import SimConfig, simulate
    from simulator.exports import write_online_retail

    simulate(SimConfig(users=20_000, days=120, seed=3, start_date=date(2024, 1, 1)), work / "shop")
    rows = write_online_retail(work / "shop", work / "online_retail_II.csv")
    _run(work / "purchase_only", "run", "--source", f"online_retail:{work / 'online_retail_II.csv'}", "--no-pseudonymise")
    return {"rows": rows, **_metrics(work / "purchase_only")}


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="bench_quality_") as tmp:
        result = {"bench": "model_quality", "demo": demo(Path(tmp)), "purchase_only": purchase_only(Path(tmp))}
    print(json.dumps(result, indent=2))
    append_result("model_quality", result)
