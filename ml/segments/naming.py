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
Segments that share a name: the first in row order (the caller passes segment-id order) keeps it; each other one
gets the qualifier of the feature in which its centroid differs most from that first one's (QUALIFIERS: "lapsing"
or "recent", "more frequent" or "less frequent", ...), e.g. "loyal high spenders, lapsing". Names still equal
after that get " 2", " 3", ... in row order.
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
# feature, the qualifier of a centroid above the name's first holder, the one below it
QUALIFIERS = (
    ("recency_days", "lapsing", "recent"),
    ("frequency", "more frequent", "less frequent"),
    ("monetary", "bigger spenders", "smaller spenders"),
    ("tenure_days", "longer-standing", "newer"),
    ("categories", "wide browsing", "narrow browsing"),
    ("cart_abandonment", "abandoning carts", "finishing carts"),
    ("session_minutes", "long sessions", "short sessions"),
    ("review_rating", "happier", "less happy"),
)


def name_segment(z: pd.Series) -> str:
    """The name of one centroid (a Series of z-scores by feature) by the module's ordered rules."""
    return next((name for name, holds in _RULES if holds(z)), FALLBACK)


def name_segments(centroids: pd.DataFrame) -> list[str]:
    """One distinct name per row of `centroids` (standardised units, one column per feature): the rule's name,
    qualified where another row got it first, suffixed where even that is taken."""
    names, holder = [], {}
    for i, (_, z) in enumerate(centroids.iterrows()):
        base = name_segment(z)
        if base not in holder:
            holder[base] = i
            names.append(base)
            continue
        diff = z - centroids.iloc[holder[base]]
        feature, above, below = max(QUALIFIERS, key=lambda q: abs(diff.get(q[0], 0.0)))
        names.append(f"{base}, {above if diff[feature] > 0 else below}")
    return _distinct(names)


def _distinct(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} {seen[name]}")
    return out
