"""The oracle of the recommender (simulated data only): each user's products ranked by the true
probability that the user buys them in the 7 days after the cutoff.

The simulator lists the products with a positive probability in its futures (about ten per
user); the rest, whose probability is below what the futures resolve, follow in the order of
the user's true preference, so every oracle list is full."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ml.recommend.ranking import Cutoff, top_k


def with_preferences(truth: pd.DataFrame, preferences: pd.DataFrame) -> pd.DataFrame:
    """`truth` (user_product_cutoffs) with, at every cutoff, each listed user's `preferences`
    (top_preferences: user_id, product_id, rank) ranked after the products it lists."""
    users = truth[["user_id", "cutoff_date"]].drop_duplicates()
    after = users.merge(preferences[["user_id", "product_id", "rank"]], on="user_id")
    after["rank"] += truth["rank"].max() if len(truth) else 0
    padded = pd.concat([truth[["user_id", "cutoff_date", "product_id", "rank"]], after], ignore_index=True)
    return padded.sort_values(["cutoff_date", "user_id", "rank"]).drop_duplicates(["cutoff_date", "user_id", "product_id"])


def oracle_lists(truth: pd.DataFrame, cut: Cutoff, protocol: str, k: int, users: np.ndarray) -> np.ndarray:
    """Top-k item matrix aligned with `users` (sorted indices), from the simulator's
    user_product_cutoffs (user_id, cutoff_date, product_id, p_buy_7d, rank) at the cut's date.
    Under discovery the items the user bought before are left out, as for every method; users
    the truth does not list get an empty row (they still count)."""
    history = cut.history
    day = truth[pd.to_datetime(truth["cutoff_date"]) == cut.cutoff]
    frame = pd.DataFrame({"user": history.users.get_indexer(day["user_id"]),
                          "item": history.items.get_indexer(day["product_id"]),
                          "truth_rank": day["rank"].to_numpy()})
    frame = frame[(frame["item"] >= 0) & np.isin(frame["user"], users)]
    if protocol == "discovery":
        seen = history.purchases().tocoo()
        keys = frame["user"].to_numpy() * history.n_items + frame["item"].to_numpy()
        frame = frame[~np.isin(keys, seen.row.astype(np.int64) * history.n_items + seen.col)]
    lists, _ = top_k(frame, -frame["truth_rank"].to_numpy(np.float64), users, k)
    return lists
