"""Top-k list metrics as flat functions of `(recommended, relevant, k)`.

`recommended`: a 2-D int array (n_users, >= k) of item indices, or a list of lists; -1 means no item, and
items within a row are taken to be distinct. `relevant`: one set or array of item indices per user, in the
same order. Precision, recall, NDCG, MAP and hit rate are means over the users with at least one relevant
item (users with none are left out; nan if there are no such users); a user who got no recommendation
(a row of -1) still counts, with zero.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def _as_matrix(recommended, k: int) -> np.ndarray:
    """The first k columns as an int64 array, rows shorter than k padded with -1."""
    out = np.full((len(recommended), k), -1, dtype=np.int64)
    if isinstance(recommended, np.ndarray):
        top = recommended[:, :k]
        out[:, : top.shape[1]] = top
        return out
    for i, row in enumerate(recommended):
        row = list(row)[:k]
        out[i, : len(row)] = row
    return out


def _relevant_arrays(relevant: Sequence) -> list[np.ndarray]:
    return [np.unique(np.fromiter(r, dtype=np.int64, count=len(r))) for r in relevant]


def _hits(recommended, relevant: Sequence, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(hits, n_relevant) for the users with a relevant item: hits[u, r] says whether rank r + 1 is relevant."""
    top = _as_matrix(recommended, k)
    rel = _relevant_arrays(relevant)
    if len(rel) != len(top):
        raise ValueError(f"{len(top)} recommendation rows but {len(rel)} relevant sets")
    n_relevant = np.array([len(r) for r in rel], dtype=np.int64)
    # one key per (user, item) so a single isin finds every hit
    width = max(int(top.max(initial=-1)), max((int(r.max()) for r in rel if len(r)), default=-1)) + 1
    keys = np.repeat(np.arange(len(rel)), n_relevant) * width + np.concatenate([np.empty(0, np.int64), *rel])
    hits = (top >= 0) & np.isin(np.arange(len(top))[:, None] * width + top, keys)
    has_relevant = n_relevant > 0
    return hits[has_relevant], n_relevant[has_relevant]


def _mean(values: np.ndarray) -> float:
    return float(values.mean()) if len(values) else float("nan")


def _discounts(k: int) -> np.ndarray:
    """1 / log2(rank + 1) for ranks 1..k."""
    return 1.0 / np.log2(np.arange(2, k + 2))


def precision_at_k(recommended, relevant: Sequence, k: int) -> float:
    """Mean over users of (relevant items in the top k) / k."""
    hits, _ = _hits(recommended, relevant, k)
    return _mean(hits.sum(axis=1) / k)


def recall_at_k(recommended, relevant: Sequence, k: int) -> float:
    """Mean over users of (relevant items in the top k) / min(k, |relevant|)."""
    hits, n_relevant = _hits(recommended, relevant, k)
    return _mean(hits.sum(axis=1) / np.minimum(k, n_relevant))


def ndcg_at_k(recommended, relevant: Sequence, k: int) -> float:
    """Mean over users of DCG / ideal DCG: DCG = sum over ranks r <= k of hit_r / log2(r + 1) (binary gains),
    ideal DCG = the same sum over ranks 1..min(k, |relevant|)."""
    hits, n_relevant = _hits(recommended, relevant, k)
    discounts = _discounts(k)
    ideal = np.cumsum(discounts)[np.minimum(k, n_relevant) - 1]
    return _mean((hits * discounts).sum(axis=1) / ideal)


def map_at_k(recommended, relevant: Sequence, k: int) -> float:
    """Mean over users of AP@k = sum over ranks r <= k of hit_r * precision@r, divided by min(k, |relevant|)."""
    hits, n_relevant = _hits(recommended, relevant, k)
    precision_at_rank = np.cumsum(hits, axis=1) / np.arange(1, k + 1)
    return _mean((hits * precision_at_rank).sum(axis=1) / np.minimum(k, n_relevant))


def hit_rate_at_k(recommended, relevant: Sequence, k: int) -> float:
    """Share of users with at least one relevant item in the top k."""
    hits, _ = _hits(recommended, relevant, k)
    return _mean(hits.any(axis=1))


def coverage(recommended, n_items: int, k: int) -> float:
    """Distinct items in anybody's top k / n_items (the catalogue size)."""
    top = _as_matrix(recommended, k)
    return len(np.unique(top[top >= 0])) / n_items


def novelty(recommended, item_popularity: np.ndarray, k: int) -> float:
    """Mean over every recommended item in the top k lists (with repeats across users) of -log2(share),
    share = max(popularity, 1) / sum(popularity): an item never seen in training counts as seen once.
    `item_popularity` is the training interaction count per item index; nan if nothing was recommended."""
    top = _as_matrix(recommended, k)
    popularity = np.asarray(item_popularity, dtype=np.float64)
    share = np.maximum(popularity, 1.0) / max(popularity.sum(), 1.0)
    return _mean(-np.log2(share[top[top >= 0]]))
