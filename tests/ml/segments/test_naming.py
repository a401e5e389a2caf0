"""The naming rule on hand-made standardised centroids: every name reachable, the order of the rules, suffixes."""

from __future__ import annotations

import pandas as pd
import pytest

from ml.segments.features import SEGMENT_FEATURES
from ml.segments.naming import name_segments


def _centroids(*rows: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame([{f: row.get(f, 0.0) for f in SEGMENT_FEATURES} for row in rows])


@pytest.mark.parametrize(
    ("z", "name"),
    [
        ({"recency_days": 1.0, "frequency": -0.5}, "dormant"),
        ({"recency_days": 0.6, "monetary": 0.3}, "at risk"),
        ({"recency_days": -0.5, "frequency": 1.0, "monetary": 1.0}, "loyal high spenders"),
        ({"tenure_days": -1.0, "frequency": -0.2}, "new browsers"),
        ({"cart_abandonment": 1.0, "monetary": 0.3}, "bargain hunters"),
        ({"cart_abandonment": 1.0, "monetary": 0.6, "frequency": 0.3, "recency_days": -0.1}, "regulars"),
        ({"frequency": 0.3, "recency_days": -0.2}, "regulars"),
        ({"frequency": -0.3}, "browsers"),
        ({"frequency": 0.3, "recency_days": 0.3}, "occasional buyers"),
        # the order: a long-gone newcomer is dormant, a valuable one drifting away is at risk before loyal
        ({"recency_days": 1.0, "frequency": -0.5, "tenure_days": -1.0}, "dormant"),
        ({"recency_days": 0.8, "frequency": 1.0, "monetary": 1.0}, "at risk"),
        ({"tenure_days": -1.0, "frequency": -0.5, "cart_abandonment": 1.0, "monetary": -0.5}, "new browsers"),
    ],
)
def test_each_rule(z, name):
    assert name_segments(_centroids(z)) == [name]


def test_a_shared_name_is_qualified_by_the_biggest_difference_then_suffixed():
    rows = [{"frequency": -0.3}, {"recency_days": 1.0, "frequency": -1.0}, {"frequency": -0.3, "recency_days": 0.4},
            {"frequency": -0.3, "tenure_days": -0.4}, {"frequency": -0.3, "recency_days": 0.3}]
    assert name_segments(_centroids(*rows)) == ["browsers", "dormant", "browsers, lapsing", "browsers, newer",
                                                "browsers, lapsing 2"]
