"""Readable segment names from centroids in standardised units (z: 0 = the population mean, 1 = one standard deviation).

The first rule that holds names a centroid (z of recency_days, frequency, monetary, tenure_days, cart_abandonment):
1. "dormant":             recency > 0.75 and frequency <= 0 (long gone, and never bought much)
2. "at risk":             recency > 0.5 and (frequency > 0 or monetary > 0) (valuable, but drifting away)
3. "loyal high spenders": monetary > 0.5 and frequency > 0.5 and recency < 0
4. "new browsers":        tenure < -0.5 and frequency <= 0
5. "bargain hunters":     cart_abandonment > 0.5 and monetary < 0.5 (leave carts behind, spend modestly)
6. "regulars":            frequency > 0 and recency <= 0
7. "browsers":            frequency <= 0 (rarely or never bought, neither new nor gone)
8. "occasional buyers":   everything else
A source without prices has monetary constant (z = 0), so rule 3 cannot hold there and frequent buyers are "regulars".
Equal names get " 2", " 3", ... in row order (the caller passes rows in segment-id order).
"""

from __future__ import annotations

import pandas as pd

_RULES = (
    ("dormant", lambda z: z.recency_days > 0.75 and z.frequency <= 0),
    ("at risk", lambda z: z.recency_days > 0.5 and (z.frequency > 0 or z.monetary > 0)),
    ("loyal high spenders", lambda z: z.monetary > 0.5 and z.frequency > 0.5 and z.recency_days < 0),
    ("new browsers", lambda z: z.tenure_days < -0.5 and z.frequency <= 0),
    ("bargain hunters", lambda z: z.cart_abandonment > 0.5 and z.monetary < 0.5),
    ("regulars", lambda z: z.frequency > 0 and z.recency_days <= 0),
    ("browsers", lambda z: z.frequency <= 0),
)
FALLBACK = "occasional buyers"


def name_segment(z: pd.Series) -> str:
    """The name of one centroid (a Series of z-scores by feature) by the module's ordered rules."""
    return next((name for name, holds in _RULES if holds(z)), FALLBACK)


def name_segments(centroids: pd.DataFrame) -> list[str]:
    """One distinct name per row of `centroids` (standardised units, one column per feature), duplicates suffixed."""
    names, seen = [], {}
    for _, z in centroids.iterrows():
        base = name_segment(z)
        seen[base] = seen.get(base, 0) + 1
        names.append(base if seen[base] == 1 else f"{base} {seen[base]}")
    return names
