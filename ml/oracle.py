"""Compare a model with the simulator's true probabilities (simulated data only)."""

from __future__ import annotations

import pandas as pd

from ml.datasets import TIME_COLUMN
from ml.evaluate import pr_auc, roc_auc

# the ground-truth column that is the probability of each label
TRUE_PROBABILITY = {"purchased_next_7d": "p_purchase_7d", "churned_next_30d": "p_no_event_30d"}


def oracle_metrics(
    test_frame: pd.DataFrame, label: str, ground_truth: pd.DataFrame | None, y_score
) -> dict[str, float]:
    """Oracle ROC/PR AUC of the true probability on the test rows, and
    oracle_auc_ratio = model ROC AUC / oracle ROC AUC on the same rows.

    Rows are joined on (user_id, cutoff date = event_timestamp's UTC date) to the simulator's
    user_cutoffs (user_id, cutoff_date). Test rows without ground truth (e.g. bots, which the
    simulator does not model) are dropped from both the model's and the oracle's scores, so the
    ratio compares like with like. Returns {} when ground_truth is None (real data).
    """
    if ground_truth is None:
        return {}
    truth = ground_truth[["user_id", "cutoff_date", TRUE_PROBABILITY[label]]].assign(
        cutoff_date=lambda d: pd.to_datetime(d["cutoff_date"]).dt.normalize()
    )
    rows = pd.DataFrame(
        {
            "user_id": test_frame["user_id"].to_numpy(),
            "cutoff_date": test_frame[TIME_COLUMN].dt.tz_convert(None).dt.normalize().to_numpy(),
            "y": test_frame[label].astype(int).to_numpy(),
            "score": y_score,
        }
    )
    joined = rows.merge(truth, on=["user_id", "cutoff_date"], how="inner", validate="many_to_one")
    oracle = joined[TRUE_PROBABILITY[label]]
    model_auc = roc_auc(joined["y"], joined["score"])
    oracle_auc = roc_auc(joined["y"], oracle)
    return {
        "oracle_roc_auc": oracle_auc,
        "oracle_pr_auc": pr_auc(joined["y"], oracle),
        "oracle_model_roc_auc": model_auc,
        "oracle_auc_ratio": model_auc / oracle_auc,
        "oracle_rows": float(len(joined)),
        "oracle_dropped_rows": float(len(rows) - len(joined)),
    }
