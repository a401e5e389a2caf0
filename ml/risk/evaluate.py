"""Ranking metrics of a detector against labelled bots (flat functions of `(y_true, y_score, k)`)."""

from __future__ import annotations

import numpy as np

from ml.evaluate import pr_auc


def _top_k(y_true, y_score, k: int) -> np.ndarray:
    """Labels of the min(k, n) highest-scoring rows, ties broken by row order."""
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    order = np.argsort(-np.asarray(y_score, dtype=float), kind="stable")
    return np.asarray(y_true, dtype=bool)[order[:k]]


def precision_at_k(y_true, y_score, k: int) -> float:
    """Bots among the min(k, n) highest-scoring sessions / min(k, n)."""
    return float(_top_k(y_true, y_score, k).mean())


def recall_at_k(y_true, y_score, k: int) -> float:
    """Bots among the min(k, n) highest-scoring sessions / all bots (NaN without bots)."""
    bots = int(np.sum(np.asarray(y_true, dtype=bool)))
    return float(_top_k(y_true, y_score, k).sum() / bots) if bots else float("nan")


def ranking_metrics(y_true, y_score, k: int) -> dict[str, float]:
    """pr_auc (average precision, ml.evaluate.pr_auc), precision_at_k and recall_at_k."""
    return {"pr_auc": pr_auc(y_true, y_score), "precision_at_k": precision_at_k(y_true, y_score, k),
            "recall_at_k": recall_at_k(y_true, y_score, k)}
