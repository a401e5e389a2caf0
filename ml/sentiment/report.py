"""What reviewers say: every review scored, and per product, category, week and day the share negative and the terms
that push the reviews negative and positive."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd
import scipy.sparse as sp

from ml.sentiment.model import NEGATIVE, SentimentModel, SentimentParams, predicted_labels

SCORED_COLUMNS = ["review_id", "user_id", "product_id", "category", "rating", "review_time", "negative_prob", "predicted", "has_text"]
RECENT = pd.Timedelta(weeks=4)  # "the last 4 weeks": the 28 days up to the newest review


def score_reviews(model: SentimentModel, reviews: pd.DataFrame) -> pd.DataFrame:
    """SCORED_COLUMNS for every review (REVIEW_COLUMNS); negative_prob NaN and predicted None where there is no text."""
    probs = model.negative_prob(reviews["review_text"].tolist())
    scored = reviews.assign(negative_prob=probs, predicted=predicted_labels(probs), has_text=~np.isnan(probs))
    scored["review_time"] = pd.to_datetime(scored["review_time"])
    return scored[SCORED_COLUMNS].reset_index(drop=True)


def _shares(scored: pd.DataFrame, key: str) -> pd.DataFrame:
    """Per `key` (missing values a group of their own): n_reviews, n_scored, share_negative overall, in the last 4 weeks
    and before them, and trend (last 4 weeks minus before; NaN when either has no scored review)."""
    rows = scored.assign(negative=scored["predicted"].eq(NEGATIVE))
    with_text = rows[rows["has_text"]]
    recent = with_text["review_time"] > with_text["review_time"].max() - RECENT
    share = {name: part.groupby(key, dropna=False)["negative"].mean()
             for name, part in (("", with_text), ("_last_4w", with_text[recent]), ("_prev", with_text[~recent]))}
    out = pd.DataFrame({"n_reviews": rows.groupby(key, dropna=False).size()})
    out["n_scored"] = with_text.groupby(key, dropna=False).size().reindex(out.index, fill_value=0)
    for name, values in share.items():
        out[f"share_negative{name}"] = values.reindex(out.index)
    out["trend"] = out["share_negative_last_4w"] - out["share_negative_prev"]
    return out


def _distinct(terms: Sequence[str], k: int) -> str:
    """The first k of `terms` (strongest first) that share no word with a stronger one kept ("love it", not then "love")."""
    kept, words = [], set()
    for term in terms:
        if words.isdisjoint(term.split()):
            kept.append(term)
            words.update(term.split())
            if len(kept) == k:
                break
    return ", ".join(kept)


def _top_terms(model: SentimentModel, keys: pd.Series, texts: Sequence[object], k: int) -> pd.DataFrame:
    """Per key, the k word n-grams with the largest summed TF-IDF x coefficient over its reviews (top_negative_terms)
    and the k with the most negative sums (top_positive_terms), each a comma-separated string, the strongest first."""
    weights, names = model.term_weights(texts)
    codes, groups = pd.factorize(keys, use_na_sentinel=False)
    members = sp.csr_matrix((np.ones(len(codes)), (codes, np.arange(len(codes)))), shape=(len(groups), len(codes)))
    sums = (members @ weights).tocsr()
    negative, positive = [], []
    for i in range(len(groups)):
        values, terms = sums.data[sums.indptr[i]: sums.indptr[i + 1]], sums.indices[sums.indptr[i]: sums.indptr[i + 1]]
        for sign, out in ((1, negative), (-1, positive)):
            pushing = sign * values > 0
            order = np.argsort(-sign * values[pushing], kind="stable")
            out.append(_distinct(names[terms[pushing][order]], k))
    return pd.DataFrame({"top_negative_terms": negative, "top_positive_terms": positive}, index=pd.Index(groups, name=keys.name))


def _sentiment_by(key: str, scored: pd.DataFrame, model: SentimentModel, reviews: pd.DataFrame, k: int) -> pd.DataFrame:
    terms = _top_terms(model, reviews[key], reviews["review_text"].tolist(), k)
    return _shares(scored, key).join(terms).fillna({"top_negative_terms": "", "top_positive_terms": ""}).reset_index()


def product_sentiment(scored: pd.DataFrame, model: SentimentModel, reviews: pd.DataFrame, params: SentimentParams) -> pd.DataFrame:
    """One row per product with a review: product_id, category, n_reviews, n_scored, share_negative (of the scored
    reviews predicted negative), share_negative_last_4w, share_negative_prev, trend, top_negative_terms,
    top_positive_terms (the terms from `reviews`, REVIEW_COLUMNS, those `scored` was scored from). Reviews without
    a product are left out."""
    scored, reviews = scored[scored["product_id"].notna()], reviews[reviews["product_id"].notna()]
    out = _sentiment_by("product_id", scored, model, reviews, params.top_terms)
    category = scored.dropna(subset=["category"]).groupby("product_id")["category"].first()
    out.insert(1, "category", out["product_id"].map(category))
    return out


def category_sentiment(scored: pd.DataFrame, model: SentimentModel, reviews: pd.DataFrame, params: SentimentParams) -> pd.DataFrame:
    """product_sentiment's columns per category (without a category: a row whose category is missing), and n_products."""
    out = _sentiment_by("category", scored, model, reviews, params.top_terms)
    out.insert(1, "n_products", out["category"].map(scored.groupby("category", dropna=False)["product_id"].nunique()))
    return out


def weekly_negative_share(scored: pd.DataFrame, by: Sequence[str] = ()) -> pd.DataFrame:
    """Per week (its Monday) with a scored review, and per `by` column (e.g. product_id) where given:
    [*by,] week, n_scored, share_negative."""
    rows = scored[scored["has_text"]].dropna(subset=list(by))
    week = rows["review_time"].dt.to_period("W-SUN").dt.start_time.rename("week")
    grouped = rows["predicted"].eq(NEGATIVE).groupby([*(rows[column] for column in by), week])
    return pd.DataFrame({"n_scored": grouped.size(), "share_negative": grouped.mean()}).reset_index()


def product_sentiment_daily(scored: pd.DataFrame, days: Sequence[date]) -> pd.DataFrame:
    """Point-in-time features per product and day, from the product's first scored review on: product_id,
    feature_date, feature_timestamp (the midnight after it), n_scored_reviews, share_negative, mean_negative_prob,
    over every scored review with review_time < feature_timestamp."""
    rows = scored[scored["has_text"] & scored["product_id"].notna()].sort_values("review_time", kind="stable")
    by_product = rows.groupby("product_id")
    history = pd.DataFrame({
        "product_id": rows["product_id"], "review_time": rows["review_time"],
        "n_scored_reviews": by_product.cumcount() + 1,
        "n_negative": rows["predicted"].eq(NEGATIVE).groupby(rows["product_id"]).cumsum(),
        "sum_prob": by_product["negative_prob"].cumsum(),
    })
    dates = pd.DatetimeIndex(pd.to_datetime(list(days))).normalize().unique().sort_values()
    grid = pd.MultiIndex.from_product([rows["product_id"].unique(), dates], names=["product_id", "feature_date"]).to_frame(index=False)
    grid["feature_timestamp"] = (grid["feature_date"] + pd.Timedelta(days=1)).dt.tz_localize(rows["review_time"].dt.tz)
    history["review_time"] = history["review_time"].astype(grid["feature_timestamp"].dtype)  # the warehouse's are in us
    daily = pd.merge_asof(grid.sort_values("feature_timestamp"), history, left_on="feature_timestamp", right_on="review_time",
                          by="product_id", allow_exact_matches=False).dropna(subset=["n_scored_reviews"])
    daily = daily.assign(n_scored_reviews=daily["n_scored_reviews"].astype(int),
                         share_negative=daily["n_negative"] / daily["n_scored_reviews"],
                         mean_negative_prob=daily["sum_prob"] / daily["n_scored_reviews"],
                         feature_date=daily["feature_date"].dt.date)
    columns = ["product_id", "feature_date", "feature_timestamp", "n_scored_reviews", "share_negative", "mean_negative_prob"]
    return daily.sort_values(["product_id", "feature_timestamp"])[columns].reset_index(drop=True)
