import datetime as dt

import pandas as pd

from ml.oracle import oracle_metrics

LABEL = "purchased_next_7d"


def test_oracle_join_and_ratio():
    test_frame = pd.DataFrame(
        {
            "user_id": ["a", "b", "c", "d", "bot"],
            "event_timestamp": pd.to_datetime(["2024-02-19"] * 5, utc=True),
            LABEL: [True, False, True, False, True],
        }
    )
    truth = pd.DataFrame(
        {
            "user_id": ["a", "b", "c", "d", "a"],
            "cutoff_date": [dt.date(2024, 2, 19)] * 4 + [dt.date(2024, 2, 12)],
            "alive": True,
            "p_purchase_7d": [0.9, 0.1, 0.8, 0.2, 0.0],
            "p_no_event_30d": [0.9, 0.1, 0.2, 0.8, 1.0],
        }
    )
    # model: a .8, b .6, c .4, d .2 -> AUC 3/4 on the rows with ground truth; the bot is dropped
    metrics = oracle_metrics(test_frame, LABEL, truth, [0.8, 0.6, 0.4, 0.2, 0.0])
    assert metrics["oracle_roc_auc"] == 1.0
    assert metrics["oracle_pr_auc"] == 1.0
    assert metrics["oracle_model_roc_auc"] == 0.75
    assert metrics["oracle_auc_ratio"] == 0.75
    assert metrics["oracle_dropped_rows"] == 1

    churn = test_frame.rename(columns={LABEL: "churned_next_30d"})
    # churn uses p_no_event_30d: positives .9, .2 vs negatives .1, .8 -> 3/4
    churn_metrics = oracle_metrics(churn, "churned_next_30d", truth, [0.8, 0.6, 0.4, 0.2, 0.0])
    assert churn_metrics["oracle_roc_auc"] == 0.75
    assert churn_metrics["oracle_auc_ratio"] == 1.0


def test_no_ground_truth_gives_no_metrics():
    assert oracle_metrics(pd.DataFrame(), LABEL, None, []) == {}
