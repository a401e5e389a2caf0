import numpy as np
import pytest

from ml import evaluate as ev

Y = np.array([1, 0, 1, 0, 0, 0, 0, 0, 0, 0] * 2)


def test_perfect_prediction():
    p = Y.astype(float)
    assert ev.roc_auc(Y, p) == 1.0
    assert ev.pr_auc(Y, p) == 1.0
    assert ev.log_loss(Y, p) == pytest.approx(0.0, abs=1e-12)
    assert ev.brier(Y, p) == 0.0
    assert ev.calibration_error(Y, p) == 0.0
    assert ev.f1_at(Y, p, 0.5) == 1.0
    # 20 rows, 4 positives: the top 2 rows are positives
    assert ev.top_decile_lift(Y, p) == pytest.approx(1.0 / 0.2)
    assert ev.top_decile_capture(Y, p) == pytest.approx(0.5)


def test_useless_prediction():
    worst = 1.0 - Y
    assert ev.roc_auc(Y, worst) == 0.0
    assert ev.roc_auc(Y, np.full(len(Y), 0.3)) == 0.5
    assert ev.pr_auc(Y, np.full(len(Y), 0.3)) == pytest.approx(Y.mean())
    assert ev.brier(Y, worst) == 1.0
    assert ev.calibration_error(Y, worst) == 1.0
    assert ev.top_decile_lift(Y, worst) == 0.0
    assert ev.top_decile_capture(Y, worst) == 0.0
    assert ev.f1_at(Y, worst, 0.5) == 0.0


def test_hand_computed_case():
    y = np.array([1, 0, 1, 0])
    p = np.array([0.8, 0.6, 0.4, 0.2])
    # pairs (pos, neg): (0.8>0.6) (0.8>0.2) (0.4<0.6) (0.4>0.2) -> 3/4
    assert ev.roc_auc(y, p) == 0.75
    # AP: precision 1 at recall 0.5, precision 2/3 at recall 1
    assert ev.pr_auc(y, p) == pytest.approx(0.5 * 1 + 0.5 * 2 / 3)
    assert ev.brier(y, p) == pytest.approx((0.04 + 0.36 + 0.36 + 0.04) / 4)
    assert ev.log_loss(y, p) == pytest.approx(-(np.log(0.8) + np.log(0.4) + np.log(0.4) + np.log(0.8)) / 4)
    # top ceil(0.4) = 1 row (p=0.8, positive): lift 1 / 0.5, capture 1 / 2
    assert ev.top_decile_lift(y, p) == 2.0
    assert ev.top_decile_capture(y, p) == 0.5
    # bins 8, 6, 4, 2, one row each: |1-.8| + |0-.6| + |1-.4| + |0-.2| over 4
    assert ev.calibration_error(y, p) == pytest.approx((0.2 + 0.6 + 0.6 + 0.2) / 4)
    # threshold 0.5: predicted {0, 1}; tp 1, fp 1, fn 1 -> F1 = 0.5
    assert ev.f1_at(y, p, 0.5) == 0.5
    assert ev.best_f1_threshold(y, p) == 0.4  # F1 = 0.8 (tp 2, fp 1)


def test_classification_metrics_names():
    metrics = ev.classification_metrics(Y, Y.astype(float), 0.5, "test")
    assert set(metrics) == {
        "test_roc_auc", "test_pr_auc", "test_log_loss", "test_brier", "test_top_decile_lift",
        "test_top_decile_capture", "test_calibration_error", "test_f1",
    }


def test_save_plots(tmp_path, trained):
    split = trained.split
    p = trained.model.predict_proba(split.X_test)[:, 1]
    paths = ev.save_plots(split.y_test, p, trained.model, trained.features, tmp_path / "plots")
    assert set(paths) == {"roc", "pr", "calibration", "feature_importance"}
    for path in paths.values():
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
