import numpy as np

from ml.classifiers import predict_proba, train_classifier

LABEL = "purchased_next_7d"
BASELINES = ("logreg", "random_forest", "mlp")


def test_metric_names_are_stable(trained):
    expected = {
        "test_roc_auc", "test_pr_auc", "test_log_loss", "test_brier", "test_top_decile_lift",
        "test_top_decile_capture", "test_f1", "test_calibration_error", "valid_roc_auc", "valid_pr_auc",
        *(f"baseline_{b}_test_{m}" for b in BASELINES for m in ("roc_auc", "pr_auc")),
    }
    assert expected <= set(trained.metrics)
    assert all(np.isfinite(v) for v in trained.metrics.values())


def test_xgboost_learns_the_nonlinear_signal(trained):
    m = trained.metrics
    assert m["test_roc_auc"] > 0.75
    assert m["test_roc_auc"] > m["baseline_logreg_test_roc_auc"]  # beats the linear baseline on a non-linear signal
    assert m["test_top_decile_lift"] > 1.5
    assert 0 < trained.threshold < 1
    assert "scale_pos_weight" not in trained.params  # no reweighting: the scores stay probabilities


def test_same_seed_same_metrics(frame, trained):
    again = train_classifier(frame, LABEL, seed=0)
    assert again.metrics == trained.metrics
    np.testing.assert_array_equal(
        predict_proba(again.model, frame, again.features), predict_proba(trained.model, frame, trained.features)
    )


def test_shuffled_training_labels_give_chance_auc(frame, trained):
    """Leakage guard: with labels shuffled across the training and validation cutoffs,
    nothing of the test labels may be learnt: test AUC within 3.5 standard errors of 0.5."""
    rng = np.random.default_rng(1)
    before_test = frame["event_timestamp"] < sorted(trained.split.cutoffs("test"))[0]
    shuffled = frame.copy()
    shuffled.loc[before_test, LABEL] = rng.permutation(shuffled.loc[before_test, LABEL].to_numpy())
    result = train_classifier(shuffled, LABEL, seed=0)
    positives = int(result.split.y_test.sum())
    negatives = len(result.split.y_test) - positives
    null_se = np.sqrt((positives + negatives + 1) / (12 * positives * negatives))  # AUC's sd under no signal
    assert abs(result.metrics["test_roc_auc"] - 0.5) < 3.5 * null_se


def test_baselines_fit_on_every_row_below_the_cap_and_a_seeded_sample_above(frame, trained):
    from ml.classifiers import baseline_sample

    assert trained.metrics["baseline_train_rows"] == len(trained.split.train)  # a small set: nothing sampled
    assert baseline_sample(frame, seed=0, rows=len(frame)) is frame
    sample = baseline_sample(frame, seed=0, rows=100)
    assert len(sample) == 100 and sample.index.is_unique and sample.index.isin(frame.index).all()
    assert sample.index.equals(baseline_sample(frame, seed=0, rows=100).index)
    assert not sample.index.equals(baseline_sample(frame, seed=1, rows=100).index)
