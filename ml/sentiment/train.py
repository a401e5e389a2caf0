"""Train the sentiment model on the source's own ratings and judge it on the latest reviews, beside VADER and the
majority class.

Ratings 1-2 are negative, 4-5 positive; 3 is never trained on, and its score distribution is reported as a slice of
its own. The labelled reviews are split by review time: the latest `test_share` of them (every review at the split
time included) are the test, all earlier ones the training set, never a random split.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from sklearn.metrics import precision_recall_fscore_support

from ml.sentiment.baselines import VADER_LANGUAGES, VADER_NEGATIVE, majority_negative, vader_compound
from ml.sentiment.data import NEGATIVE_RATINGS, NEUTRAL_RATING, POSITIVE_RATINGS, clean_texts
from ml.sentiment.language import UNKNOWN, detect_language
from ml.sentiment.model import NEGATIVE, NEGATIVE_THRESHOLD, POSITIVE, SentimentModel, SentimentParams, predicted_labels

CLASSES = (NEGATIVE, POSITIVE)
NEUTRAL_QUANTILES = (0.25, 0.5, 0.75)


class TooFewReviews(ValueError):
    """Too few labelled reviews with text to train or judge a sentiment model: the reason, not a crash."""


@dataclass
class SentimentTraining:
    model: SentimentModel
    metrics: dict[str, float]
    language: str
    split_time: pd.Timestamp  # the review time the test starts at
    notes: list[str]
    test: pd.DataFrame  # the test reviews: ids, rating, label, negative_prob, predicted (and vader_compound for English)
    neutral: pd.DataFrame  # the rating-3 reviews with text: ids, rating, negative_prob
    report: pd.DataFrame  # per method and class: precision, recall, f1, support


def prepare(reviews: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, int]]:
    """The reviews with a rating 1-5, a review time and text (review_text cleaned), and how many were left out of each kind."""
    rating = pd.to_numeric(reviews["rating"], errors="coerce")
    valid_rating = rating.isin(range(1, 6))
    times = pd.to_datetime(reviews["review_time"], errors="coerce")
    timed = times.notna()
    text = pd.Series(clean_texts(reviews["review_text"]), index=reviews.index, dtype=object)
    has_text = text.notna()
    counts = {"n_invalid_rating": int((~valid_rating).sum()), "n_without_time": int((valid_rating & ~timed).sum()),
              "n_without_text": int((valid_rating & timed & ~has_text).sum())}
    keep = valid_rating & timed & has_text
    kept = reviews[keep].assign(rating=rating[keep].astype(int), review_text=text[keep],
                                review_time=times[keep])
    return kept.sort_values(["review_time", "review_id"], kind="stable"), counts


def time_split(labelled: pd.DataFrame, test_share: float) -> tuple[pd.DataFrame, pd.DataFrame, pd.Timestamp]:
    """Train (review time before the split) and test (at or after it): the split is the review time of the first of
    the latest ceil(test_share * n) labelled reviews (`labelled` sorted by review time)."""
    n_test = max(1, math.ceil(test_share * len(labelled)))
    split = labelled["review_time"].iloc[len(labelled) - n_test]
    later = labelled["review_time"] >= split
    return labelled[~later], labelled[later], split


def _class_counts(labelled: pd.DataFrame) -> pd.Series:
    return labelled["label"].value_counts().reindex(CLASSES, fill_value=0)


def check_enough(labelled: pd.DataFrame, min_per_class: int) -> None:
    """TooFewReviews unless each class has `min_per_class` labelled reviews with text (and at least one)."""
    count = _class_counts(labelled)
    if (count < max(1, min_per_class)).any():
        raise TooFewReviews(f"{count[NEGATIVE]} negative (ratings 1-2) and {count[POSITIVE]} positive (ratings 4-5) reviews "
                            f"with text; a sentiment model needs {min_per_class} of each")


def check_periods(train: pd.DataFrame, test: pd.DataFrame, split: pd.Timestamp) -> None:
    """TooFewReviews unless the training and the test period each hold both classes."""
    for name, frame in (("training period (before", train), ("test period (from", test)):
        count = _class_counts(frame)
        if (count == 0).any():
            raise TooFewReviews(f"the {name} {split}) has {count[NEGATIVE]} negative and {count[POSITIVE]} positive reviews "
                                "with text; it needs at least one of each")


def class_metrics(prefix: str, negative: np.ndarray, predicted_negative: np.ndarray) -> dict[str, float]:
    """`{prefix}test_macro_f1` (the unweighted mean of the two classes' F1) and `{prefix}test_{precision,recall,f1}_{class}`;
    a class never predicted has precision 0."""
    precision, recall, f1, _ = precision_recall_fscore_support(negative, predicted_negative, labels=[True, False], zero_division=0)
    metrics = {f"{prefix}test_macro_f1": float(np.mean(f1))}
    for i, name in enumerate(CLASSES):
        metrics |= {f"{prefix}test_precision_{name}": float(precision[i]), f"{prefix}test_recall_{name}": float(recall[i]),
                    f"{prefix}test_f1_{name}": float(f1[i])}
    return metrics


def class_report(metrics: dict[str, float], negative: np.ndarray) -> pd.DataFrame:
    """One row per method (model, vader, majority) and class: precision, recall, f1, support (test reviews of the class)."""
    methods = {"model": "", "vader": "vader_", "majority": "majority_"}
    support = {NEGATIVE: int(negative.sum()), POSITIVE: int((~negative).sum())}
    return pd.DataFrame([
        {"method": method, "class": name, **{m: metrics[f"{prefix}test_{m}_{name}"] for m in ("precision", "recall", "f1")},
         "support": support[name]}
        for method, prefix in methods.items() if f"{prefix}test_macro_f1" in metrics for name in CLASSES
    ])


def _neutral_metrics(probs: np.ndarray) -> dict[str, float]:
    return {"neutral_mean_negative_prob": float(probs.mean()), "neutral_share_negative": float((probs >= NEGATIVE_THRESHOLD).mean()),
            **{f"neutral_negative_prob_p{round(100 * q)}": float(np.quantile(probs, q)) for q in NEUTRAL_QUANTILES}}


def labelled_reviews(kept: pd.DataFrame) -> pd.DataFrame:
    """The prepared reviews rated 1-2 or 4-5, with their `label`."""
    labelled = kept[kept["rating"].isin([*NEGATIVE_RATINGS, *POSITIVE_RATINGS])]
    return labelled.assign(label=np.where(labelled["rating"].isin(NEGATIVE_RATINGS), NEGATIVE, POSITIVE))


def holdout_metrics(model: SentimentModel, reviews: pd.DataFrame, params: SentimentParams) -> dict[str, float]:
    """Macro-F1 (and per class) of a fitted model on the test period of `reviews`' time split, as training
    judges it: what the promotion gate compares, challenger and champion on the same later reviews."""
    labelled = labelled_reviews(prepare(reviews)[0])
    check_enough(labelled, 1)  # the training minimum is the challenger's business, not the comparison's
    _, test, _ = time_split(labelled, params.test_share)
    probs = model.negative_prob(test["review_text"])
    return {**class_metrics("", (test["label"] == NEGATIVE).to_numpy(), predicted_labels(probs) == NEGATIVE),
            "nan_predictions": int(np.isnan(probs).sum())}


def train_sentiment(reviews: pd.DataFrame, params: SentimentParams) -> SentimentTraining:
    """Fit on the earlier labelled reviews (REVIEW_COLUMNS), judge on the later ones; raises TooFewReviews."""
    kept, counts = prepare(reviews)
    language = detect_language(kept["review_text"])
    labelled = labelled_reviews(kept)
    check_enough(labelled, params.min_per_class)
    train, test, split = time_split(labelled, params.test_share)
    check_periods(train, test, split)

    model = SentimentModel.fit(train["review_text"], train["label"] == NEGATIVE, language, params)
    columns = ["review_id", "product_id", "review_time", "rating", "label"]
    test = test[columns + ["review_text"]].assign(negative_prob=model.negative_prob(test["review_text"]))
    test["predicted"] = predicted_labels(test["negative_prob"].to_numpy())
    negative = (test["label"] == NEGATIVE).to_numpy()
    metrics = class_metrics("", negative, test["predicted"].eq(NEGATIVE).to_numpy())
    metrics |= class_metrics("majority_", negative, majority_negative((train["label"] == NEGATIVE).to_numpy(), len(test)))

    notes = ["the reviews' language is unknown: no en, pt or es stopword share leads"] if language == UNKNOWN else []
    if language in VADER_LANGUAGES:
        test["vader_compound"] = vader_compound(test["review_text"].tolist())
        metrics |= class_metrics("vader_", negative, (test["vader_compound"] <= VADER_NEGATIVE).to_numpy())
    else:
        notes.append(f"VADER's English lexicon is not applicable to {language} reviews: no VADER baseline")

    neutral = kept[kept["rating"] == NEUTRAL_RATING][columns[:-1] + ["review_text"]]
    neutral = neutral.assign(negative_prob=model.negative_prob(neutral["review_text"]))
    if len(neutral):
        metrics |= _neutral_metrics(neutral["negative_prob"].to_numpy())
    else:
        notes.append("no rating-3 reviews with text: no neutral slice")

    left_out = {"n_without_text": "without text", "n_invalid_rating": "with a rating outside 1-5",
                "n_without_time": "without a review time"}
    notes += [f"{counts[key]} review{'s' * (counts[key] != 1)} {what} left out" for key, what in left_out.items() if counts[key]]
    metrics |= {"n_train": float(len(train)), "n_test": float(len(test)), "n_neutral": float(len(neutral)),
                **{key: float(n) for key, n in counts.items()}}
    return SentimentTraining(model, metrics, language, split, notes, test.drop(columns="review_text"),
                             neutral.drop(columns="review_text"), class_report(metrics, negative))
