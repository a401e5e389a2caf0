"""The baselines beside the model: VADER's English lexicon and the majority class."""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np

VADER_LANGUAGES = ("en",)
VADER_NEGATIVE = -0.05  # VADER's documented cut: a compound score at or below it is negative


@cache
def _analyzer():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def vader_compound(texts: Sequence[str]) -> np.ndarray:
    """VADER's compound score (-1 most negative .. 1 most positive) per non-empty text."""
    analyzer = _analyzer()
    return np.array([analyzer.polarity_scores(text)["compound"] for text in texts], dtype=float)


def majority_negative(train_negative: np.ndarray, n: int) -> np.ndarray:
    """The training period's more frequent class for each of n reviews (positive on a tie)."""
    return np.full(n, train_negative.mean() > 0.5)
