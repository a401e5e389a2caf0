"""Reviews for the sentiment tests and bench, in REVIEW_COLUMNS: the simulator's, and Olist's real ones from their CSV."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ml.sentiment.data import REVIEW_COLUMNS
from simulator.reviews import ratings, texts

START = pd.Timestamp("2024-01-01")


def simulated_reviews(n: int, seed: int = 0, products: int = 20, minutes_apart: int = 10) -> pd.DataFrame:
    """n reviews, one every `minutes_apart` minutes from START, of `products` products (p00.. in turn, two categories)
    by n users; ratings from standard-normal utilities."""
    rng = np.random.default_rng(seed)
    rating = ratings(rng.standard_normal(n), rng)
    product = np.arange(n) % products
    return pd.DataFrame({
        "review_id": [f"r{i:07d}" for i in range(n)],
        "user_id": [f"u{i:07d}" for i in range(n)],
        "product_id": [f"p{p:02d}" for p in product],
        "category": np.where(product % 2 == 0, "kitchen", "garden"),
        "rating": rating,
        "review_text": texts(rating, rng),
        "review_time": START + pd.to_timedelta(np.arange(n) * minutes_apart, unit="min"),
    })[REVIEW_COLUMNS]


def olist_reviews(path: Path) -> pd.DataFrame:
    """REVIEW_COLUMNS as ingest makes them: title and message joined with a space, one product and user per review."""
    raw = pd.read_csv(path, dtype=str)
    text = raw["review_comment_title"].fillna("").str.cat(raw["review_comment_message"].fillna(""), sep=" ").str.strip()
    return pd.DataFrame({
        "review_id": raw["review_id"], "user_id": raw["order_id"], "product_id": raw["order_id"], "category": None,
        "rating": pd.to_numeric(raw["review_score"]), "review_text": text.where(text != ""),
        "review_time": pd.to_datetime(raw["review_creation_date"]),
    })
