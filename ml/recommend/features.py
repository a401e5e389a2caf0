"""The ranker's rows: every generator's candidates for a user merged, with what is known at the cutoff.

One row per (user, item) that any generator proposed. Features come only from the history
(events before the cutoff) and the catalogue, so a row at cutoff C could have been built at C.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ml.recommend.generators import Candidates
from ml.recommend.history import History

DAY_FEATURES = (7, 28)  # windows of the item popularity counts
HISTORY_FEATURES = [
    "user_item_purchases", "days_since_item_purchase", "item_purchase_gap_days", "item_due_ratio",
    "days_since_item_interaction", "user_purchases", "user_items_bought", "days_since_user_event",
    "item_purchases_7d", "item_purchases_28d", "item_trend", "item_repeat_buyer_share",
    "price", "price_vs_user_median", "category_affinity", "n_generators",
]


def candidate_features(names: list[str]) -> list[str]:
    """Every feature column of a ranker over the generators `names`, in order."""
    return [f"{name}_{part}" for name in names for part in ("score", "rank")] + HISTORY_FEATURES


@dataclass(frozen=True)
class Catalogue:
    """Category code (-1 unknown) and list price (NaN unknown) of every item of a vocabulary."""

    category: np.ndarray
    price: np.ndarray

    @classmethod
    def of(cls, items: pd.Index, products: pd.DataFrame) -> Catalogue:
        known = products.drop_duplicates("product_id").set_index("product_id").reindex(items)
        codes = pd.Categorical(known["category"]).codes.astype(np.int64)
        return cls(codes, pd.to_numeric(known["price"], errors="coerce").to_numpy(np.float64))


def merge_candidates(candidates: dict[str, Candidates], users: np.ndarray, n_items: int) -> pd.DataFrame:
    """Rows user, item, <generator>_score, <generator>_rank (n + 1 where it did not propose the
    item) and `source`: the generator that ranked the item best (the first such, in order)."""
    names = list(candidates)
    keys, owners, ranks, scores = [], [], [], []
    for g, name in enumerate(names):
        found = candidates[name]
        rows, cols = np.nonzero(found.items >= 0)
        keys.append(users[rows].astype(np.int64) * n_items + found.items[rows, cols])
        owners.append(np.full(len(rows), g))
        ranks.append(cols + 1)
        scores.append(found.scores[rows, cols])
    key = np.concatenate(keys) if keys else np.empty(0, np.int64)
    unique, where = np.unique(key, return_inverse=True)
    depth = max((c.items.shape[1] for c in candidates.values()), default=0)
    rank = np.full((len(unique), len(names)), depth + 1, dtype=np.float64)
    score = np.full((len(unique), len(names)), np.nan)
    owner = np.concatenate(owners) if owners else np.empty(0, int)
    rank[where, owner] = np.concatenate(ranks) if ranks else []
    score[where, owner] = np.concatenate(scores) if scores else []
    frame = pd.DataFrame({"user": unique // n_items, "item": unique % n_items})
    for g, name in enumerate(names):
        frame[f"{name}_score"] = score[:, g]
        frame[f"{name}_rank"] = rank[:, g]
    frame["n_generators"] = (rank <= depth).sum(axis=1)
    frame["source"] = np.asarray(names, dtype=object)[rank.argmin(axis=1)] if names else []
    return frame


def _grouped(key: np.ndarray, values: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"key": key, "v": values}).groupby("key")["v"].agg(["size", "min", "max"])


def add_history_features(frame: pd.DataFrame, history: History, catalogue: Catalogue) -> pd.DataFrame:
    """`frame` (user, item columns) with HISTORY_FEATURES but n_generators, from `history` and `catalogue`."""
    n_items = history.n_items
    user, item = frame["user"].to_numpy(), frame["item"].to_numpy()
    key = user * n_items + item
    bought = np.asarray(history.event_type == "purchase")
    b_user, b_item, b_age = history.user[bought].astype(np.int64), history.item[bought].astype(np.int64), history.age_days[bought]

    pairs = _grouped(b_user * n_items + b_item, b_age).reindex(key)
    count = pairs["size"].fillna(0).to_numpy()
    frame["user_item_purchases"] = count
    frame["days_since_item_purchase"] = pairs["min"].to_numpy()
    gap = np.where(count >= 2, (pairs["max"] - pairs["min"]).to_numpy() / np.maximum(count - 1, 1), np.nan)
    frame["item_purchase_gap_days"] = gap
    frame["item_due_ratio"] = frame["days_since_item_purchase"].to_numpy() / gap
    seen = _grouped(history.user.astype(np.int64) * n_items + history.item, history.age_days).reindex(key)
    frame["days_since_item_interaction"] = seen["min"].to_numpy()

    by_user = _grouped(b_user, b_age).reindex(user)
    frame["user_purchases"] = by_user["size"].fillna(0).to_numpy()
    distinct = pd.Series(np.unique(b_user * n_items + b_item) // n_items).value_counts()
    frame["user_items_bought"] = distinct.reindex(user).fillna(0).to_numpy()
    frame["days_since_user_event"] = _grouped(history.user, history.age_days).reindex(user)["min"].to_numpy()

    for days in DAY_FEATURES:
        recent = np.bincount(b_item[b_age <= days], minlength=n_items)
        frame[f"item_purchases_{days}d"] = recent[item]
    frame["item_trend"] = (frame["item_purchases_7d"] + 1) / (frame["item_purchases_28d"] / 4 + 1)
    pair_counts = pd.Series(b_user * n_items + b_item).value_counts()
    pair_items = pair_counts.index.to_numpy() % n_items
    buyers = np.bincount(pair_items, minlength=n_items)
    repeaters = np.bincount(pair_items[pair_counts.to_numpy() >= 2], minlength=n_items)
    frame["item_repeat_buyer_share"] = np.where(buyers > 0, repeaters / np.maximum(buyers, 1), np.nan)[item]

    price = catalogue.price[item]
    frame["price"] = price
    median = pd.Series(catalogue.price[b_item]).groupby(b_user).median().reindex(user).to_numpy()
    frame["price_vs_user_median"] = price / median
    frame["category_affinity"] = _category_affinity(history, catalogue, user, item)
    return frame


def _category_affinity(history: History, catalogue: Catalogue, user: np.ndarray, item: np.ndarray) -> np.ndarray:
    """The user's share of events on the item's category (NaN where the category is unknown)."""
    n_cat = int(catalogue.category.max(initial=-1)) + 1
    if n_cat == 0:
        return np.full(len(user), np.nan)
    event_cat = catalogue.category[history.item]
    known = event_cat >= 0
    per_pair = pd.Series(history.user[known].astype(np.int64) * n_cat + event_cat[known]).value_counts()
    totals = np.bincount(history.user, minlength=history.n_users)
    cat = catalogue.category[item]
    hits = per_pair.reindex(user * n_cat + np.maximum(cat, 0)).fillna(0).to_numpy()
    return np.where(cat >= 0, hits / np.maximum(totals[user], 1), np.nan)


def label(frame: pd.DataFrame, bought: set[int] | np.ndarray, n_items: int) -> np.ndarray:
    """1 where the row's (user, item) key is among the `bought` keys (user * n_items + item), else 0."""
    keys = frame["user"].to_numpy() * n_items + frame["item"].to_numpy()
    return np.isin(keys, np.fromiter(bought, np.int64) if isinstance(bought, set) else bought).astype(np.int8)
