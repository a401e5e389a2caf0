"""The sentiment model: TF-IDF word and character n-grams into a logistic regression for P(negative).

VADER's compound score as one more feature (a hybrid) was tried and left out: on the simulator's reviews it moved the
test macro-F1 by +0.003 (10 k reviews) and +0.0002 (100 k) at 1.4x the fit time (bench/bench_sentiment.py, `hybrid`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline

from ml.params import param
from ml.sentiment.data import clean_texts

NEGATIVE, POSITIVE = "negative", "positive"
NEGATIVE_THRESHOLD = 0.5  # predicted negative from this P(negative) on


@dataclass(frozen=True)
class SentimentParams:
    """How the sentiment model is trained, judged and read."""

    min_per_class: int = param(30, "Fewest reviews with text of each class (ratings 1-2 negative, 4-5 positive) to train on.")
    test_share: float = param(0.25, "Share of the labelled reviews, the latest by review time, the model is tested on.")
    C: float = param(4.0, "Inverse strength of the logistic regression's L2 penalty.")
    word_ngrams: int = param(2, "Longest word n-gram (words 1..n).")
    max_word_features: int = param(50_000, "Most word n-grams kept (the most frequent).")
    max_char_features: int = param(100_000, "Most character 2..5-grams kept (the most frequent).")
    min_df: int = param(2, "Fewest training reviews an n-gram must occur in to be a feature.")
    seed: int = param(42, "Seed of the logistic regression's solver.")
    top_terms: int = param(5, "Terms shown per product (and category) that push its reviews negative, and positive.")


def build_pipeline(params: SentimentParams) -> Pipeline:
    """Word n-grams (the readable terms) first, then character n-grams within words (misspellings, inflections)."""
    common = {"sublinear_tf": True, "min_df": params.min_df, "strip_accents": "unicode", "dtype": np.float32}
    features = FeatureUnion([
        ("word", TfidfVectorizer(ngram_range=(1, params.word_ngrams), max_features=params.max_word_features, **common)),
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), max_features=params.max_char_features, **common)),
    ])
    classifier = LogisticRegression(C=params.C, solver="liblinear", random_state=params.seed)
    return Pipeline([("features", features), ("classifier", classifier)])


@dataclass(frozen=True)
class SentimentModel:
    """A fitted pipeline whose class 1 is negative, and the language of the reviews it was trained on."""

    pipeline: Pipeline
    language: str

    @classmethod
    def fit(cls, texts: Sequence[str], negative: Sequence[bool], language: str, params: SentimentParams) -> SentimentModel:
        """Fit on cleaned, non-empty texts and whether each review is negative."""
        return cls(build_pipeline(params).fit(list(texts), np.asarray(negative, dtype=int)), language)

    def negative_prob(self, texts: Sequence[object]) -> np.ndarray:
        """P(negative) per text; NaN where the text is missing or blank."""
        cleaned = clean_texts(texts)
        keep = [i for i, text in enumerate(cleaned) if text is not None]
        probs = np.full(len(cleaned), np.nan)
        if keep:
            probs[keep] = self.pipeline.predict_proba([cleaned[i] for i in keep])[:, 1]
        return probs

    def term_weights(self, texts: Sequence[object]) -> tuple[sp.csr_matrix, np.ndarray]:
        """Per text and word n-gram, its TF-IDF value times its coefficient (> 0 pushes towards negative; a missing
        text is a row of zeros), and the n-grams' names. Character n-grams are left out: nobody can read them."""
        word = self.pipeline.named_steps["features"].transformer_list[0][1]
        names = word.get_feature_names_out()
        cleaned = [text or "" for text in clean_texts(texts)]
        if not cleaned:  # sklearn refuses to transform no rows
            return sp.csr_matrix((0, len(names))), names
        values = word.transform(cleaned)
        coef = self.pipeline.named_steps["classifier"].coef_[0, : len(names)]
        return sp.csr_matrix(values.multiply(coef)), names


def predicted_labels(negative_prob: np.ndarray) -> np.ndarray:
    """"negative" or "positive" per P(negative); None where it is NaN."""
    labels = np.where(negative_prob >= NEGATIVE_THRESHOLD, NEGATIVE, POSITIVE).astype(object)
    labels[np.isnan(negative_prob)] = None
    return labels
