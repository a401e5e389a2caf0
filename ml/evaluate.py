"""Binary-classification metrics (flat functions of `(y_true, y_score)`) and evaluation plots."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve
from xgboost import XGBClassifier

TOP_FRACTION = 0.1
CALIBRATION_BINS = 10
LOG_LOSS_EPS = 1e-15


def roc_auc(y_true, y_score) -> float:
    """Area under the ROC curve (ties count one half); 0.5 = random ranking, 1 = perfect."""
    return float(skm.roc_auc_score(y_true, y_score))


def pr_auc(y_true, y_score) -> float:
    """Average precision: sum over thresholds of (R_n - R_{n-1}) * P_n (sklearn, no interpolation)."""
    return float(skm.average_precision_score(y_true, y_score))


def log_loss(y_true, y_score) -> float:
    """Mean of -[y log p + (1-y) log(1-p)], with p clipped to [1e-15, 1 - 1e-15]."""
    y = np.asarray(y_true, dtype=float)
    p = np.clip(np.asarray(y_score, dtype=float), LOG_LOSS_EPS, 1 - LOG_LOSS_EPS)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def brier(y_true, y_score) -> float:
    """Mean squared difference between predicted probability and outcome."""
    return float(np.mean((np.asarray(y_score, dtype=float) - np.asarray(y_true, dtype=float)) ** 2))


def _top_decile(y_true, y_score) -> np.ndarray:
    """Outcomes of the ceil(10 % * n) highest-scoring rows (ties broken by row order)."""
    y = np.asarray(y_true, dtype=float)
    order = np.argsort(-np.asarray(y_score, dtype=float), kind="stable")
    return y[order[: math.ceil(TOP_FRACTION * len(y))]]


def top_decile_lift(y_true, y_score) -> float:
    """Positive rate among the top 10 % by score divided by the overall positive rate."""
    return float(_top_decile(y_true, y_score).mean() / np.mean(y_true))


def top_decile_capture(y_true, y_score) -> float:
    """Share of all positives that fall in the top 10 % by score."""
    return float(_top_decile(y_true, y_score).sum() / np.sum(y_true))


def calibration_error(y_true, y_score) -> float:
    """Expected calibration error: 10 equal-width bins of p on [0, 1] (last bin closed),
    sum over bins of (rows in bin / all rows) * |positive rate in bin - mean p in bin|."""
    y = np.asarray(y_true, dtype=float)
    p = np.asarray(y_score, dtype=float)
    bins = np.minimum((p * CALIBRATION_BINS).astype(int), CALIBRATION_BINS - 1)
    error = 0.0
    for b in np.unique(bins):
        in_bin = bins == b
        error += in_bin.mean() * abs(y[in_bin].mean() - p[in_bin].mean())
    return float(error)


def f1_at(y_true, y_score, threshold: float = 0.5) -> float:
    """F1 of the rule `score >= threshold`."""
    return float(skm.f1_score(y_true, np.asarray(y_score) >= threshold, zero_division=0))


def best_f1_threshold(y_true, y_score) -> float:
    """The score threshold that maximises F1 (rule `score >= threshold`)."""
    precision, recall, thresholds = skm.precision_recall_curve(y_true, y_score)
    f1 = 2 * precision * recall / np.maximum(precision + recall, 1e-12)
    return float(thresholds[int(np.argmax(f1[:-1]))])


SCORE_METRICS = {
    "roc_auc": roc_auc,
    "pr_auc": pr_auc,
    "log_loss": log_loss,
    "brier": brier,
    "top_decile_lift": top_decile_lift,
    "top_decile_capture": top_decile_capture,
    "calibration_error": calibration_error,
}


def classification_metrics(y_true, y_score, threshold: float, prefix: str) -> dict[str, float]:
    """Every score metric plus F1 at `threshold`, keyed `<prefix>_<metric>`."""
    values = {name: fn(y_true, y_score) for name, fn in SCORE_METRICS.items()}
    values["f1"] = f1_at(y_true, y_score, threshold)
    return {f"{prefix}_{name}": value for name, value in values.items()}


def _new_axes(title: str, xlabel: str, ylabel: str):
    fig = Figure(figsize=(5, 4), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set(title=title, xlabel=xlabel, ylabel=ylabel)
    return fig, ax


def _save(fig: Figure, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, format="png")
    return path


def save_plots(y_true, y_score, model: XGBClassifier, features: list[str], out_dir: Path) -> dict[str, Path]:
    """ROC, precision-recall, calibration curve and XGBoost gain importance as PNGs in out_dir."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {}

    fpr, tpr, _ = skm.roc_curve(y_true, y_score)
    fig, ax = _new_axes(f"ROC (AUC {roc_auc(y_true, y_score):.3f})", "false positive rate", "true positive rate")
    ax.plot(fpr, tpr)
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey")
    paths["roc"] = _save(fig, out_dir / "roc.png")

    precision, recall, _ = skm.precision_recall_curve(y_true, y_score)
    fig, ax = _new_axes(f"Precision-recall (AP {pr_auc(y_true, y_score):.3f})", "recall", "precision")
    ax.plot(recall, precision)
    ax.axhline(np.mean(y_true), linestyle="--", color="grey")
    paths["pr"] = _save(fig, out_dir / "pr.png")

    observed, predicted = calibration_curve(y_true, y_score, n_bins=CALIBRATION_BINS)
    fig, ax = _new_axes("Calibration", "mean predicted probability", "observed positive rate")
    ax.plot(predicted, observed, marker="o")
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey")
    paths["calibration"] = _save(fig, out_dir / "calibration.png")

    gain = model.get_booster().get_score(importance_type="gain")
    top = sorted(((gain.get(f, 0.0), f) for f in features), reverse=True)[:20][::-1]
    fig, ax = _new_axes("XGBoost feature importance (gain)", "mean gain", "")
    ax.barh([f for _, f in top], [g for g, _ in top])
    paths["feature_importance"] = _save(fig, out_dir / "feature_importance.png")
    return paths
