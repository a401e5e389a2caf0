"""Precision and recall at k on a perfect, a useless and a hand-computed ranking."""

from __future__ import annotations

import math

import pytest

from ml.risk.evaluate import precision_at_k, ranking_metrics, recall_at_k

Y = [1, 0, 1, 0, 0, 1]


def test_a_perfect_ranking():
    score = [0.9, 0.1, 0.8, 0.2, 0.3, 0.7]
    assert ranking_metrics(Y, score, 3) == {"pr_auc": 1.0, "precision_at_k": 1.0, "recall_at_k": 1.0}


def test_a_useless_ranking_puts_every_bot_last():
    score = [0.1, 0.9, 0.2, 0.8, 0.7, 0.3]
    assert precision_at_k(Y, score, 3) == 0.0 and recall_at_k(Y, score, 3) == 0.0


def test_a_hand_computed_ranking_with_ties_broken_by_row_order():
    score = [0.5, 0.5, 0.1, 0.9, 0.2, 0.5]  # order: rows 3, 0, 1, 5, 4, 2
    assert precision_at_k(Y, score, 2) == 0.5  # rows 3 (human) and 0 (bot)
    assert recall_at_k(Y, score, 4) == pytest.approx(2 / 3)  # rows 0 and 5 of the 3 bots
    # average precision steps through tied scores together: recall 2/3 at precision 2/4, then 1/3 more at 3/6
    assert ranking_metrics(Y, score, 2)["pr_auc"] == pytest.approx(2 / 3 * 2 / 4 + 1 / 3 * 3 / 6)


def test_k_beyond_the_rows_takes_them_all_and_recall_without_bots_is_nan():
    assert precision_at_k(Y, [0] * 6, 100) == 0.5 and recall_at_k(Y, [0] * 6, 100) == 1.0
    assert math.isnan(recall_at_k([0, 0], [0.1, 0.2], 1))
    with pytest.raises(ValueError, match="k must be at least 1"):
        precision_at_k(Y, [0] * 6, 0)
