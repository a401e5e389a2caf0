"""What the sentiment model reads: the reviews (with their product's category), and review text fit to model."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

REVIEW_COLUMNS = ["review_id", "user_id", "product_id", "category", "rating", "review_text", "review_time"]
NEGATIVE_RATINGS, NEUTRAL_RATING, POSITIVE_RATINGS = (1, 2), 3, (4, 5)

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def load_reviews(warehouse: Path, as_of: date | None = None) -> pd.DataFrame:
    """REVIEW_COLUMNS of every review dated `as_of` or earlier (all when None), by review time then id."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        reviews = con.execute(
            """
            select r.review_id, r.user_id, r.product_id, p.category, r.rating, r.review_text, r.review_time
            from stg_reviews as r
            left join dim_products as p using (product_id)
            where ?::date is null or r.review_date <= ?::date
            order by r.review_time, r.review_id
            """,
            [as_of, as_of],
        ).df()
    reviews["review_time"] = pd.to_datetime(reviews["review_time"])
    return reviews[REVIEW_COLUMNS]


def _unmangle(text: str) -> str:
    """UTF-8 that was decoded as Windows-1252 or Latin-1 ("nÃ£o") back to what was written ("não"), when it round-trips."""
    if "Ã" not in text and "Â" not in text:
        return text
    for codec in ("cp1252", "latin-1"):
        try:
            return text.encode(codec).decode("utf-8")
        except UnicodeError:
            continue
    return text


def clean_text(value: object) -> str | None:
    """The text to model: mojibake repaired where it round-trips, lone surrogates and control characters replaced,
    NFC-normalised, whitespace collapsed; None when missing (None, NaN, not a string) or blank."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if not isinstance(value, str):
        return None
    text = value.encode("utf-8", errors="replace").decode("utf-8")  # a lone surrogate becomes "?"
    text = unicodedata.normalize("NFC", _unmangle(text))
    return " ".join(_CONTROL.sub(" ", text).split()) or None


def clean_texts(values: Iterable[object]) -> list[str | None]:
    return [clean_text(v) for v in values]
