"""train_sentiment on simulated reviews: the time split, the metrics' names, the neutral slice, too few reviews and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ml.sentiment.model import SentimentParams
from ml.sentiment.train import TooFewReviews, class_metrics, time_split, train_sentiment
from tests.ml.sentiment.reviews import simulated_reviews

PER_CLASS = [f"{prefix}test_{metric}_{name}" for prefix in ("", "vader_", "majority_")
             for metric in ("precision", "recall", "f1") for name in ("negative", "positive")]


def test_test_reviews_are_all_later_than_training_and_rating_3_is_never_trained_on(trained, simulated):
    labelled = simulated[simulated["rating"] != 3]
    n_test = int(trained.metrics["n_test"])
    assert n_test == int(np.ceil(0.25 * len(labelled)))  # reviews 10 minutes apart: no ties at the split
    assert trained.metrics["n_train"] + n_test == len(labelled)
    assert trained.test["review_time"].min() == trained.split_time
    train_times = labelled.loc[~labelled["review_id"].isin(trained.test["review_id"]), "review_time"]
    assert train_times.max() < trained.split_time
    assert set(trained.test["rating"]) == {1, 2, 4, 5}
    assert trained.metrics["n_neutral"] == (simulated["rating"] == 3).sum() == len(trained.neutral)
    assert set(trained.neutral["rating"]) == {3}


def test_ties_at_the_split_time_all_go_to_the_test():
    times = pd.to_datetime(["2024-01-01"] * 3 + ["2024-01-02"] * 4)
    labelled = pd.DataFrame({"review_time": times, "label": "positive"})
    train, test, split = time_split(labelled, 0.25)  # the latest 2 start on Jan 2, so all four of Jan 2 are the test
    assert split == pd.Timestamp("2024-01-02") and len(train) == 3 and len(test) == 4


def test_metrics_names(trained):
    expected = {"test_macro_f1", "vader_test_macro_f1", "majority_test_macro_f1", *PER_CLASS, "n_train", "n_test", "n_neutral",
                "neutral_mean_negative_prob", "neutral_share_negative", "neutral_negative_prob_p25", "neutral_negative_prob_p50",
                "neutral_negative_prob_p75", "n_without_text", "n_invalid_rating", "n_without_time"}
    assert set(trained.metrics) == expected
    assert all(isinstance(v, float) for v in trained.metrics.values())
    assert trained.language == "en" and trained.model.language == "en" and trained.notes == []
    assert set(trained.report["method"]) == {"model", "vader", "majority"} and len(trained.report) == 6
    assert {"negative_prob", "predicted", "vader_compound", "label"} <= set(trained.test.columns)


def test_rating_3_scores_fall_between_the_classes(trained):
    by_label = trained.test.groupby("label")["negative_prob"].mean()
    assert by_label["positive"] < trained.metrics["neutral_mean_negative_prob"] < by_label["negative"]
    quartiles = [trained.metrics[f"neutral_negative_prob_p{q}"] for q in (25, 50, 75)]
    assert quartiles == sorted(quartiles) and quartiles[0] < 0.2 < 0.5 < quartiles[2]  # rating 3 is mixed: both ways


def test_class_metrics_hand_computed():
    negative = np.array([True, True, False, False, False])
    predicted = np.array([True, False, True, False, False])  # negative: P 1/2 R 1/2; positive: P 2/3 R 2/3
    metrics = class_metrics("x_", negative, predicted)
    assert metrics["x_test_precision_negative"] == metrics["x_test_recall_negative"] == 0.5
    assert metrics["x_test_f1_positive"] == pytest.approx(2 / 3)
    assert metrics["x_test_macro_f1"] == pytest.approx((0.5 + 2 / 3) / 2)
    assert class_metrics("", negative, np.zeros(5, bool))["test_precision_negative"] == 0.0  # never predicted: 0, no warning


def test_too_few_per_class_says_the_counts_and_the_minimum():
    reviews = simulated_reviews(3000)
    negatives = reviews.index[reviews["rating"] <= 2]
    few = reviews.drop(negatives[12:])
    with pytest.raises(TooFewReviews, match=r"^12 negative \(ratings 1-2\) and \d+ positive \(ratings 4-5\) reviews with text; "
                                            r"a sentiment model needs 30 of each$"):
        train_sentiment(few, SentimentParams())
    with pytest.raises(TooFewReviews, match=r"^0 negative .* needs 30 of each$"):
        train_sentiment(reviews.iloc[:0], SentimentParams())


def test_a_period_without_one_class_says_so():
    reviews = simulated_reviews(3000)
    late_negatives = reviews.index[(reviews["rating"] <= 2) & (reviews.index >= 2000)]
    with pytest.raises(TooFewReviews, match=r"^the test period \(from .*\) has 0 negative and \d+ positive reviews with text"):
        train_sentiment(reviews.drop(late_negatives), SentimentParams())


def test_bad_input_is_left_out_counted_and_does_not_crash():
    reviews = simulated_reviews(1500).astype({"rating": float, "review_text": object})
    odd = ["\ud800 great quality \udfff", "not good\x00\x07\x1b", "nÃ£o gostei", b"works perfectly \xff".decode("latin-1"), "🙂 love it"]
    reviews.loc[:4, "review_text"] = odd
    reviews.loc[5:9, "review_text"] = [None, np.nan, "", "   \n\t", pd.NA]
    reviews.loc[10:12, "rating"] = [0, 6, np.nan]
    reviews.loc[13, "review_time"] = pd.NaT
    training = train_sentiment(reviews, SentimentParams())
    metrics = training.metrics
    assert (metrics["n_without_text"], metrics["n_invalid_rating"], metrics["n_without_time"]) == (5, 3, 1)
    assert metrics["n_train"] + metrics["n_test"] + metrics["n_neutral"] == 1500 - 9
    assert {"5 reviews without text left out", "3 reviews with a rating outside 1-5 left out",
            "1 review without a review time left out"} <= set(training.notes)
    probs = training.model.negative_prob(odd + [None, "", " "])
    assert np.isfinite(probs[:5]).all() and np.isnan(probs[5:]).all()
