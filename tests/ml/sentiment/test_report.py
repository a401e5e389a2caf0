"""Scoring every review, per-product and per-category sentiment with its terms, the weekly share and the
point-in-time daily features."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from ml.sentiment.model import SentimentParams
from ml.sentiment.report import (
    SCORED_COLUMNS,
    category_sentiment,
    product_sentiment,
    product_sentiment_daily,
    score_reviews,
    weekly_negative_share,
)

BROKEN = ["Broke after a week.", "Broke after a week. Very disappointed.", "Poor quality. Broke after a week.", "Stopped working."]
LOVED = ["Love it.", "Love it. Fast delivery.", "Great quality. Love it."]


def _reviews(rows) -> pd.DataFrame:
    """REVIEW_COLUMNS from (review_id, product_id, category, rating, text, time) rows."""
    frame = pd.DataFrame(rows, columns=["review_id", "product_id", "category", "rating", "review_text", "review_time"])
    return frame.assign(user_id="u", review_time=pd.to_datetime(frame["review_time"]))


@pytest.fixture(scope="module")
def planted():
    """A product whose reviews say it broke, one whose reviews love it, one without text, over eight weeks."""
    start = pd.Timestamp("2024-03-01")
    rows = [(f"b{i}", "p-broken", "tools", 1, BROKEN[i % 4], start + pd.Timedelta(days=7 * i)) for i in range(8)]
    rows += [(f"l{i}", "p-loved", "tools", 5, LOVED[i % 3], start + pd.Timedelta(days=7 * i)) for i in range(8)]
    rows += [("n1", "p-silent", None, 4, None, start), ("n2", "p-silent", None, 2, "  ", start)]
    return _reviews(rows)


def test_score_reviews_scores_every_review(trained, planted):
    scored = score_reviews(trained.model, planted)
    assert list(scored.columns) == SCORED_COLUMNS and len(scored) == len(planted)
    silent = scored["product_id"] == "p-silent"
    assert scored.loc[silent, "negative_prob"].isna().all() and scored.loc[silent, "predicted"].isna().all()
    assert not scored.loc[silent, "has_text"].any() and scored.loc[~silent, "has_text"].all()
    assert set(scored.loc[scored["product_id"] == "p-broken", "predicted"]) == {"negative"}
    assert set(scored.loc[scored["product_id"] == "p-loved", "predicted"]) == {"positive"}


def test_product_sentiment_names_the_terms(trained, planted):
    products = product_sentiment(score_reviews(trained.model, planted), trained.model, planted, SentimentParams()).set_index("product_id")
    broken, loved, silent = products.loc["p-broken"], products.loc["p-loved"], products.loc["p-silent"]
    assert any("broke" in term for term in broken["top_negative_terms"].split(", "))
    assert any("love" in term for term in loved["top_positive_terms"].split(", "))
    assert "broke" not in loved["top_negative_terms"] and len(broken["top_negative_terms"].split(", ")) == 5
    words = broken["top_negative_terms"].replace(",", "").split()
    assert len(words) == len(set(words))  # "broke after" is not followed by "broke"
    assert (broken["n_reviews"], broken["n_scored"], broken["share_negative"], broken["category"]) == (8, 8, 1.0, "tools")
    assert loved["share_negative"] == 0.0
    assert (silent["n_reviews"], silent["n_scored"]) == (2, 0) and np.isnan(silent["share_negative"]) and np.isnan(silent["trend"])
    assert silent["top_negative_terms"] == silent["top_positive_terms"] == ""


def test_trend_compares_the_last_four_weeks_with_before(trained):
    # the newest review is on Apr 29: the last 4 weeks are after Apr 1
    rows = [("a", "p1", "c", 5, "Love it.", "2024-03-01"), ("b", "p1", "c", 5, "Love it.", "2024-03-20"),
            ("c", "p1", "c", 1, "Broke after a week.", "2024-04-10"), ("d", "p1", "c", 5, "Love it.", "2024-04-29"),
            ("e", "p2", "c", 5, "Love it.", "2024-03-05")]
    reviews = _reviews(rows)
    products = product_sentiment(score_reviews(trained.model, reviews), trained.model, reviews, SentimentParams()).set_index("product_id")
    shares = products.loc["p1", ["share_negative_prev", "share_negative_last_4w", "trend", "share_negative"]]
    assert shares.tolist() == [0.0, 0.5, 0.5, 0.25]
    assert np.isnan(products.loc["p2", "share_negative_last_4w"]) and np.isnan(products.loc["p2", "trend"])


def test_category_sentiment(trained, planted):
    categories = category_sentiment(score_reviews(trained.model, planted), trained.model, planted, SentimentParams())
    tools = categories.set_index("category").loc["tools"]
    assert (tools["n_products"], tools["n_reviews"], tools["share_negative"]) == (2, 16, 0.5)
    assert any("broke" in term for term in tools["top_negative_terms"].split(", "))
    assert categories["category"].isna().sum() == 1  # p-silent has no category: a row of its own


def test_weekly_negative_share(trained, planted):
    weekly = weekly_negative_share(score_reviews(trained.model, planted))
    assert weekly["week"].tolist() == list(pd.date_range("2024-02-26", periods=8, freq="7D"))  # Mondays
    assert weekly["n_scored"].tolist() == [2] * 8 and weekly["share_negative"].tolist() == [0.5] * 8


def test_weekly_negative_share_per_product():
    scored = _scored([("p1", "2024-01-01 10:00", 0.9), ("p1", "2024-01-03 10:00", 0.1), ("p1", "2024-01-08 10:00", 0.8),
                      ("p2", "2024-01-02 10:00", 0.2), ("p2", "2024-01-02 11:00", np.nan), (None, "2024-01-02 12:00", 0.9)])
    weekly = weekly_negative_share(scored, by=["product_id"])
    assert weekly.to_dict("records") == [
        {"product_id": "p1", "week": pd.Timestamp("2024-01-01"), "n_scored": 2, "share_negative": 0.5},
        {"product_id": "p1", "week": pd.Timestamp("2024-01-08"), "n_scored": 1, "share_negative": 1.0},
        {"product_id": "p2", "week": pd.Timestamp("2024-01-01"), "n_scored": 1, "share_negative": 0.0},
    ]


def _scored(rows) -> pd.DataFrame:
    """Scored reviews from (product_id, review_time, negative_prob) rows (NaN: no text)."""
    frame = pd.DataFrame(rows, columns=["product_id", "review_time", "negative_prob"])
    return frame.assign(review_time=pd.to_datetime(frame["review_time"]), has_text=frame["negative_prob"].notna(),
                        predicted=np.where(frame["negative_prob"] >= 0.5, "negative", "positive"))


def test_product_sentiment_daily_is_point_in_time():
    scored = _scored([("p1", "2024-01-03 10:00", 0.2), ("p1", "2024-01-05 13:00", 0.9), ("p1", "2024-01-04 12:00", np.nan),
                      ("p1", "2024-01-06 00:00", 0.8), ("p2", "2024-01-05 23:59", 0.6)])
    daily = product_sentiment_daily(scored, [date(2024, 1, d) for d in (3, 4, 5, 6)])
    assert list(daily.columns) == ["product_id", "feature_date", "feature_timestamp", "n_scored_reviews", "share_negative",
                                   "mean_negative_prob"]
    p1 = daily[daily["product_id"] == "p1"].set_index("feature_timestamp")
    assert p1.index.tolist() == list(pd.to_datetime(["2024-01-04", "2024-01-05", "2024-01-06", "2024-01-07"]))
    assert p1["feature_date"].tolist() == [date(2024, 1, d) for d in (3, 4, 5, 6)]
    # the review of Jan 5 13:00 counts in the row of Jan 6 00:00, not Jan 5 00:00; the one at Jan 6 00:00 only from Jan 7 00:00
    assert p1["n_scored_reviews"].tolist() == [1, 1, 2, 3]
    assert p1["share_negative"].tolist() == [0.0, 0.0, 0.5, pytest.approx(2 / 3)]
    assert p1["mean_negative_prob"].tolist() == [pytest.approx(0.2), pytest.approx(0.2), pytest.approx(0.55), pytest.approx(1.9 / 3)]
    p2 = daily[daily["product_id"] == "p2"]  # no row before its first review is known
    assert p2["feature_date"].tolist() == [date(2024, 1, 5), date(2024, 1, 6)] and p2["n_scored_reviews"].tolist() == [1, 1]


def test_product_sentiment_daily_scales():
    rng = np.random.default_rng(0)
    n = 40_000
    times = pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.uniform(0, 400, n), unit="D")
    scored = _scored(list(zip([f"p{i}" for i in rng.integers(0, 100, n)], times, rng.random(n), strict=True)))
    daily = product_sentiment_daily(scored, pd.date_range("2024-01-01", periods=400).date)
    assert len(daily) > 39_000 and daily["n_scored_reviews"].max() <= n
    last = daily[daily["feature_date"] == date(2025, 2, 3)]
    assert last["n_scored_reviews"].sum() == (scored["review_time"] < pd.Timestamp("2025-02-04")).sum()


def test_no_reviews_and_no_text_give_empty_tables_not_errors(trained, planted):
    none = planted.iloc[:0]
    scored = score_reviews(trained.model, none)
    assert product_sentiment(scored, trained.model, none, SentimentParams()).empty
    assert category_sentiment(scored, trained.model, none, SentimentParams()).empty
    assert weekly_negative_share(scored).empty and product_sentiment_daily(scored, [date(2024, 3, 1)]).empty
    silent = planted[planted["product_id"] == "p-silent"]
    products = product_sentiment(score_reviews(trained.model, silent), trained.model, silent, SentimentParams())
    assert products["n_scored"].tolist() == [0] and products["top_negative_terms"].tolist() == [""]
