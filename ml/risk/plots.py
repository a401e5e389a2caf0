"""Precision-recall curves of the session detectors on the labelled test days."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from sklearn.metrics import precision_recall_curve

from ml.evaluate import pr_auc


def save_pr_curves(test_scores: pd.DataFrame, path: Path) -> Path:
    """One curve per detector column of RiskTraining.test_scores, the bots' share as the random baseline."""
    fig = Figure(figsize=(5, 4), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    y = test_scores["is_bot"].to_numpy(bool)
    for name in test_scores.columns.drop(["session_key", "is_bot"]):
        precision, recall, _ = precision_recall_curve(y, test_scores[name])
        ax.plot(recall, precision, label=f"{name} (AP {pr_auc(y, test_scores[name]):.3f})")
    ax.axhline(y.mean(), linestyle="--", color="grey", label=f"random ({y.mean():.3f})")
    ax.set(title="Suspicious sessions: precision-recall on the test days", xlabel="recall", ylabel="precision")
    ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png")
    return path
