"""load_reviews on a small hand-made warehouse, and what clean_text makes of missing, broken and mangled text."""

from __future__ import annotations

from datetime import date, datetime

import duckdb
import numpy as np
import pandas as pd
import pytest

from ml.sentiment.data import REVIEW_COLUMNS, clean_text, load_reviews

# review_id, user_id, product_id, rating, review_text, review_time
REVIEWS = [
    ("r3", "u1", "p1", 5, "Love it", datetime(2024, 1, 2, 9, 0)),
    ("r1", "u2", "p2", 1, "Broke after a week", datetime(2024, 1, 1, 23, 59)),
    ("r2", "u3", "p1", 4, None, datetime(2024, 1, 2, 9, 0)),  # the same time as r3: ordered by id
    ("r4", "u1", "p9", 2, "Not good", datetime(2024, 1, 3, 0, 0)),  # a product not in dim_products: no category
]


@pytest.fixture
def warehouse(tmp_path):
    path = tmp_path / "shop's data — ü" / "warehouse.duckdb"
    path.parent.mkdir()
    with duckdb.connect(str(path)) as con:
        con.execute("create table stg_reviews (review_id varchar, user_id varchar, product_id varchar, rating integer,"
                    " review_text varchar, review_time timestamp, review_date date)")
        con.executemany("insert into stg_reviews values (?, ?, ?, ?, ?, ?, ?::date)", [[*row, row[-1]] for row in REVIEWS])
        con.execute("create table dim_products (product_id varchar, category varchar)")
        con.execute("insert into dim_products values ('p1', 'kitchen'), ('p2', 'garden'), ('p3', 'toys')")
    return path


def test_load_reviews(warehouse):
    reviews = load_reviews(warehouse)
    assert list(reviews.columns) == REVIEW_COLUMNS
    assert reviews["review_id"].tolist() == ["r1", "r2", "r3", "r4"]
    assert reviews["category"].tolist()[:3] == ["garden", "kitchen", "kitchen"] and pd.isna(reviews["category"].iloc[3])
    assert reviews["review_text"].isna().tolist() == [False, True, False, False]
    assert reviews["review_time"].iloc[0] == pd.Timestamp("2024-01-01 23:59")


def test_load_reviews_as_of_a_day_includes_that_whole_day(warehouse):
    assert load_reviews(warehouse, as_of=date(2024, 1, 2))["review_id"].tolist() == ["r1", "r2", "r3"]
    assert load_reviews(warehouse, as_of=date(2023, 12, 31)).empty
    assert load_reviews(warehouse, as_of=date(2024, 1, 1))["review_id"].tolist() == ["r1"]


@pytest.mark.parametrize(("value", "expected"), [
    (None, None), (np.nan, None), (pd.NA, None), ("", None), ("  \n\t ", None), (5, None), ("\x00\x07", None),
    ("  Not   good\n", "Not good"),
    ("great\x00quality\x1b", "great quality"),
    ("bad \ud800 fit", "bad ? fit"),  # a lone surrogate (from a broken decode) cannot be encoded: replaced
    ("nÃ£o gostei", "não gostei"),  # UTF-8 read as Windows-1252: repaired
    ("NÃ£o Ã© bom, Ã\u00a0 vista", "Não é bom, à vista"),
    ("Ãgua", "Ãgua"),  # nothing that round-trips: left alone
    ("NÃ£o Ã© bom, Ã  vista", "NÃ£o Ã© bom, Ã vista"),  # "à" lost its second byte (a non-breaking space) on the way
    ("na\u0303o", "n\u00e3o"),  # decomposed -> composed
    (b"entrega r\xc3\xa1pida \xff", "entrega rápida \ufffd"),
])
def test_clean_text(value, expected):
    assert clean_text(value) == expected
