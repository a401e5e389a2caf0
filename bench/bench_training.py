"""Benchmark model training: time and peak memory of `train_classifier` (XGBoost and its baselines).

    python bench/bench_training.py --size 100000     # training rows; default: 100 k then 1 M

Synthetic training set in the shape of `purchase_propensity`: 25 features, 10 weekly cutoffs,
a non-linear signal and a 5 % positive rate. The yardstick is bare XGBoost: the same estimator
and eval set fitted alone on the same matrix, in the same run. Results go to
bench/results/training.jsonl.
"""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
from stages import main

FEATURES, CUTOFFS = 25, 10


def stage_generate(work: Path, size: int) -> dict:
    import pandas as pd

    rng = np.random.default_rng(0)
    x = rng.gamma(2.0, 1.0, size=(size, FEATURES))
    logit = -4.2 + 0.8 * x[:, 0] - 0.5 * x[:, 1] + 0.6 * np.sin(x[:, 2]) * x[:, 3]
    frame = pd.DataFrame(x, columns=[f"f{i}" for i in range(FEATURES)])
    frame["user_id"] = [f"u{i}" for i in range(size)]
    frame["event_timestamp"] = pd.Timestamp("2024-01-08", tz="UTC") + pd.to_timedelta(rng.integers(0, CUTOFFS, size) * 7, "D")
    frame["purchased_next_7d"] = rng.random(size) < 1 / (1 + np.exp(-logit))
    frame.to_parquet(work / "training.parquet", index=False)
    return {"rows": size, "positive_rate": round(float(frame["purchased_next_7d"].mean()), 4)}


def stage_train(work: Path, size: int) -> dict:
    import pandas as pd

    from ml.classifiers import train_classifier

    frame = pd.read_parquet(work / "training.parquet")
    started = time.perf_counter()
    result = train_classifier(frame, "purchased_next_7d", seed=0)
    metrics = result.metrics
    return {
        "train_seconds": round(time.perf_counter() - started, 2),
        "baseline_train_rows": int(metrics["baseline_train_rows"]),
        "test_roc_auc": round(metrics["test_roc_auc"], 4),
        **{name: round(metrics[f"baseline_{name}_test_roc_auc"], 4)
           for name in ("logreg", "random_forest", "mlp", "rfm_logreg") if f"baseline_{name}_test_roc_auc" in metrics},
    }


def stage_bare_xgboost(work: Path, size: int) -> dict:
    """The yardstick: XGBoost alone with train_classifier's settings, on its training matrix and eval set."""
    import pandas as pd
    from xgboost import XGBClassifier

    from ml.classifiers import xgb_params
    from ml.datasets import time_split

    split = time_split(pd.read_parquet(work / "training.parquet"), "purchased_next_7d")
    started = time.perf_counter()
    XGBClassifier(**xgb_params(0)).fit(split.X_train, split.y_train, eval_set=[(split.X_valid, split.y_valid)], verbose=False)
    return {"fit_seconds": round(time.perf_counter() - started, 2), "train_rows": len(split.train)}


STAGES = {"generate": stage_generate, "train": stage_train, "bare_xgboost": stage_bare_xgboost}

if __name__ == "__main__":
    main(__file__, "training", STAGES, [100_000, 1_000_000], __doc__, tiny=5_000)
