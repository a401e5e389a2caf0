"""Review ratings from satisfaction and texts from polarity-following phrase banks.

Every phrase carries a polarity; some positive phrases are negated negatives ("never
broke", "not bad at all") and some negative phrases are negated positives ("not good",
"would not recommend"), so a bag-of-words model is misled where a negation-aware one is not.
"""

from __future__ import annotations

import numpy as np

POSITIVE = (
    "great quality", "works perfectly", "love it", "excellent value", "fast delivery",
    "very comfortable", "looks beautiful", "highly recommend", "exactly as described",
    "sturdy and well made", "easy to use", "good price", "great screen", "long battery life",
)
POSITIVE_NEGATED = (
    "never broke", "not bad at all", "no complaints", "did not disappoint",
    "never had a problem", "not expensive", "could not be happier",
)
NEGATIVE = (
    "poor quality", "broke after a week", "waste of money", "arrived damaged",
    "cheap material", "too small", "stopped working", "very disappointed",
    "overpriced", "terrible smell", "bad fit", "the battery died", "late delivery",
)
NEGATIVE_NEGATED = (
    "not good", "would not recommend", "not worth the price", "does not work",
    "not as described", "never worked properly", "not happy with it",
)
NEUTRAL = (
    "bought it as a gift", "arrived on tuesday", "ordered two", "for my kitchen",
    "second purchase", "the box was blue", "used it for a month", "compared with my old one",
)
# P(a polar phrase is positive | rating 1..5): mixed reviews occur at every rating
P_POSITIVE = np.array([0.08, 0.25, 0.5, 0.8, 0.93])
NEGATED_SHARE = 0.35
# thresholds on satisfaction s ~ N(0, 1) giving about 8/7/12/28/45 % of ratings 1..5
THRESHOLDS = np.array([-1.405, -1.036, -0.613, 0.126])


def ratings(z_utility: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Rating 1..5 from standardised true utility plus noise, cut at fixed thresholds."""
    s = 0.8 * z_utility + 0.6 * rng.standard_normal(len(z_utility))
    return (1 + np.searchsorted(THRESHOLDS, s)).astype(np.int32)


def texts(rating: np.ndarray, rng: np.random.Generator) -> list[str]:
    """One text per rating: 1-4 polar phrases, sometimes a neutral one, joined into sentences."""
    n = len(rating)
    n_phr = rng.integers(1, 5, size=n)
    has_neutral = rng.random(n) < 0.3
    total = int(n_phr.sum())
    owner = np.repeat(np.arange(n), n_phr)
    positive = rng.random(total) < P_POSITIVE[rating[owner] - 1]
    negated = rng.random(total) < NEGATED_SHARE
    pick = rng.random(total)
    neutral_pick = rng.integers(0, len(NEUTRAL), size=n)
    banks = {(True, False): POSITIVE, (True, True): POSITIVE_NEGATED,
             (False, False): NEGATIVE, (False, True): NEGATIVE_NEGATED}
    phrases = [banks[(bool(p), bool(g))][int(u * len(banks[(bool(p), bool(g))]))]
               for p, g, u in zip(positive, negated, pick)]
    out, k = [], 0
    for i in range(n):
        parts = phrases[k: k + n_phr[i]]
        k += n_phr[i]
        if has_neutral[i]:
            parts = [NEUTRAL[neutral_pick[i]], *parts]
        out.append(". ".join(x[0].upper() + x[1:] for x in parts) + ".")
    return out
