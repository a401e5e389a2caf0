"""Benchmark review sentiment: train_sentiment's time and memory on simulated reviews, and its test macro-F1 beside
VADER and the majority class on them and on the real Olist slice.

    python bench/bench_sentiment.py --size 10000     # simulated reviews; default: 10 k then 100 k

Simulated reviews: tests/ml/sentiment/reviews.simulated_reviews (the simulator's ratings and phrase-bank texts, seed 0,
one review every 10 minutes, 20 products). Stages, each in its own process so its peak RSS is its own:
`generate` (parquet into the work dir); `train` (train_sentiment with the default SentimentParams: `train_seconds` the
whole call, VADER on the test reviews included; `fit_seconds` the pipeline's fit alone on the same training reviews,
refitted); `hybrid` (the design question: the same pipeline with VADER's compound score added as a feature,
on the same split; `hybrid_gain` is its macro-F1 minus the model's); `olist` (../shared/data's Olist reviews, title
and message joined as ingest does; the same figures at every size). Results go to bench/results/sentiment.jsonl.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from stages import ROOT, main, peak_mib

OLIST = ROOT.parent / "shared" / "data" / "olist" / "olist_order_reviews_dataset.csv"
SHOWN = ("test_macro_f1", "vader_test_macro_f1", "majority_test_macro_f1", "test_f1_negative", "vader_test_f1_negative",
         "neutral_mean_negative_prob", "neutral_share_negative", "n_train", "n_test", "n_neutral", "n_without_text")


def _figures(training) -> dict:
    return {"language": training.language, "split_time": str(training.split_time),
            **{k: round(training.metrics[k], 4) for k in SHOWN if k in training.metrics}}


def stage_generate(work: Path, size: int) -> dict:
    from tests.ml.sentiment.reviews import simulated_reviews

    reviews = simulated_reviews(size)
    reviews.to_parquet(work / "reviews.parquet", index=False)
    return {"reviews": size, "ratings": reviews["rating"].value_counts().sort_index().to_dict()}


def stage_train(work: Path, size: int) -> dict:
    import pandas as pd

    from ml.sentiment.model import NEGATIVE, SentimentModel, SentimentParams
    from ml.sentiment.train import train_sentiment

    reviews = pd.read_parquet(work / "reviews.parquet")
    out = {"load_1m": os.getloadavg()[0], "peak_before_fit_mib": peak_mib()}
    started = time.perf_counter()
    training = train_sentiment(reviews, SentimentParams())
    trained = time.perf_counter()
    train = reviews[(reviews["review_time"] < training.split_time) & (reviews["rating"] != 3)]
    model = SentimentModel.fit(train["review_text"].tolist(), train["rating"] <= 2, "en", SentimentParams())
    features = model.pipeline.named_steps["features"].transformer_list
    return {**out, "train_seconds": round(trained - started, 2), "fit_seconds": round(time.perf_counter() - trained, 2),
            "word_features": len(features[0][1].vocabulary_), "char_features": len(features[1][1].vocabulary_),
            "test_predicted_negative": int((training.test["predicted"] == NEGATIVE).sum()), **_figures(training)}


def stage_hybrid(work: Path, size: int) -> dict:
    import numpy as np
    import pandas as pd
    from sklearn.pipeline import FeatureUnion, Pipeline
    from sklearn.preprocessing import FunctionTransformer

    from ml.sentiment.baselines import vader_compound
    from ml.sentiment.model import NEGATIVE, POSITIVE, SentimentParams, build_pipeline
    from ml.sentiment.train import class_metrics, prepare, time_split

    kept, _ = prepare(pd.read_parquet(work / "reviews.parquet"))
    labelled = kept[kept["rating"] != 3].assign(label=lambda f: np.where(f["rating"] <= 2, NEGATIVE, POSITIVE))
    train, test, _ = time_split(labelled, SentimentParams().test_share)
    plain = build_pipeline(SentimentParams())
    steps = build_pipeline(SentimentParams()).named_steps  # fresh steps: the two pipelines share nothing
    vader = FunctionTransformer(lambda texts: vader_compound(texts)[:, None])
    hybrid = Pipeline([("features", FeatureUnion([*steps["features"].transformer_list, ("vader", vader)])),
                       ("classifier", steps["classifier"])])
    out = {}
    for name, pipeline in (("model", plain), ("hybrid", hybrid)):
        started = time.perf_counter()
        pipeline.fit(train["review_text"].tolist(), (train["label"] == NEGATIVE).astype(int))
        predicted = pipeline.predict_proba(test["review_text"].tolist())[:, 1] >= 0.5
        out[f"{name}_seconds"] = round(time.perf_counter() - started, 2)
        out[f"{name}_test_macro_f1"] = round(class_metrics("", (test["label"] == NEGATIVE).to_numpy(), predicted)["test_macro_f1"], 4)
    return {**out, "hybrid_gain": round(out["hybrid_test_macro_f1"] - out["model_test_macro_f1"], 4)}


def stage_olist(work: Path, size: int) -> dict:
    if not OLIST.exists():
        return {"skipped": f"{OLIST} is absent"}
    from ml.sentiment.model import SentimentParams
    from ml.sentiment.train import train_sentiment
    from tests.ml.sentiment.reviews import olist_reviews

    reviews = olist_reviews(OLIST)
    started = time.perf_counter()
    training = train_sentiment(reviews, SentimentParams())
    return {"reviews": len(reviews), "train_seconds": round(time.perf_counter() - started, 2), "notes": training.notes,
            **_figures(training)}


STAGES = {"generate": stage_generate, "train": stage_train, "hybrid": stage_hybrid, "olist": stage_olist}

if __name__ == "__main__":
    main(__file__, "sentiment", STAGES, [10_000, 100_000], __doc__, tiny=1_000)
