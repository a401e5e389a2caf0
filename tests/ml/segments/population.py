"""Synthetic behaviour populations for the segmentation tests: groups of users around planted raw profiles."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.segments.features import SEGMENT_FEATURES

# Raw profile per group, in SEGMENT_FEATURES order:
# recency_days, frequency, monetary, tenure_days, categories, cart_abandonment, session_minutes, review_rating
PROFILES = {
    "loyal": (2, 20, 2000, 300, 8, 0.1, 10, 4.5),
    "dormant": (200, 1, 30, 350, 0, 0.0, 0, 3.0),
    "newcomer": (5, 0, 0, 4, 3, 0.2, 3, 4.0),
    "bargain": (30, 2, 40, 150, 5, 0.9, 6, 4.0),
    "binger": (10, 6, 300, 100, 18, 0.4, 40, 2.0),
}


def population(groups: dict[str, int], seed: int = 0) -> pd.DataFrame:
    """user_id, SEGMENT_FEATURES and `group` for `groups` = {profile: users}: each value is its profile value
    times lognormal noise (sigma 0.15), rates clipped to [0, 1] and ratings to [1, 5]."""
    rng = np.random.default_rng(seed)
    frames = []
    for group, n in groups.items():
        values = np.asarray(PROFILES[group], dtype=float) * rng.lognormal(0, 0.15, (n, len(SEGMENT_FEATURES)))
        frame = pd.DataFrame(values, columns=list(SEGMENT_FEATURES))
        frame["cart_abandonment"] = frame["cart_abandonment"].clip(0, 1)
        frame["review_rating"] = frame["review_rating"].clip(1, 5)
        frame.insert(0, "user_id", [f"{group}{i:04d}" for i in range(n)])
        frame["group"] = group
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
