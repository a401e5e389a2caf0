"""Reviews: what reviewers feel and why.

`sentiment_model` trains a TF-IDF (word and character n-grams) logistic regression on the source's own
reviews labelled by rating (1-2 negative, 4-5 positive; 3 reported as its own slice), split by review
time, beside VADER (English only) and the majority class, and registers the `sentiment` challenger,
which its promotion check gates on test macro-F1. `review_sentiment` scores every review with the
champion; `product_sentiment` says per product and category how negative reviews are, how that moves by
week and which terms push them either way, and writes the point-in-time daily features Feast serves.
"""

import dagster as dg
import pandas as pd

from orchestration.markdown import image, table
from orchestration.reviews.config import SentimentConfig
from orchestration.tags import as_of
from orchestration.training.assets import lineage, not_trained, version_metadata
from orchestration.training.resources import MlflowTracking
from shoplens.settings import Settings

REVIEWS = "reviews"
SENTIMENT_MODEL = "sentiment"
# the daily features Feast's product_sentiment view reads: one shape, with reviews or without
DAILY_COLUMNS = {"product_id": "varchar", "feature_date": "date", "feature_timestamp": "timestamp", "n_scored_reviews": "bigint",
                 "share_negative": "double", "mean_negative_prob": "double"}


def _champion(settings: Settings):
    from ml.tracking import load_by_alias, version_by_alias

    version = version_by_alias(SENTIMENT_MODEL, "champion", settings)
    return (None, None) if version is None else (load_by_alias(SENTIMENT_MODEL, "champion", settings).model, version)


@dg.asset(deps=["stg_reviews", "dim_products"], group_name=REVIEWS, kinds={"scikitlearn", "mlflow"})
def sentiment_model(context: dg.AssetExecutionContext, config: SentimentConfig, mlflow: MlflowTracking,
                    shoplens: dg.ResourceParam[Settings]) -> dg.MaterializeResult:
    """TF-IDF + logistic regression on reviews labelled by rating, split by review time, beside VADER and the
    majority class; registered as the `sentiment` challenger (gated on test macro-F1)."""
    from ml.sentiment.data import load_reviews
    from ml.sentiment.model import SentimentParams
    from ml.sentiment.plots import save_neutral_histogram
    from ml.sentiment.pyfunc import SentimentPyfunc
    from ml.sentiment.train import TooFewReviews, train_sentiment
    from ml.tracking import log_training_run

    mlflow.setup(shoplens)
    params = SentimentParams(**config.model_dump())
    reviews = load_reviews(shoplens.paths.warehouse, as_of(context))
    if reviews.empty:
        return not_trained(context, "the source has no reviews")
    try:
        training = train_sentiment(reviews, params)
    except TooFewReviews as reason:
        return not_trained(context, str(reason))
    metrics = training.metrics
    plots = {"rating_3_scores": save_neutral_histogram(training.neutral, shoplens.paths.plots(SENTIMENT_MODEL) / "rating_3.png")}
    texts = reviews.loc[reviews["review_text"].notna(), ["review_text"]]
    version = log_training_run(
        SENTIMENT_MODEL, model=SentimentPyfunc(training.model),
        params={**{f: getattr(params, f) for f in params.__dataclass_fields__}, "language": training.language,
                "split_time": str(training.split_time), "notes": "; ".join(training.notes) or "none"},
        metrics=metrics, plots=plots, input_example=texts.head(5), training_data=reviews[["review_text", "rating"]],
        dataset_name="stg_reviews", label="rating",
        tags={**lineage(context, shoplens, reviews["review_time"], "stg_reviews"), "language": training.language},
        settings=shoplens,
    )
    vader = metrics.get("vader_test_macro_f1")
    context.log.info(f"sentiment v{version.version} ({training.language}): test macro-F1 {metrics['test_macro_f1']:.3f}, "
                     + (f"VADER {vader:.3f}, " if vader is not None else "VADER not applicable, ")
                     + f"majority {metrics['majority_test_macro_f1']:.3f}")
    return dg.MaterializeResult(metadata={
        "trained": True,
        "language": training.language,
        **{k: float(metrics[k]) for k in ("test_macro_f1", "vader_test_macro_f1", "majority_test_macro_f1") if k in metrics},
        "model_comparison": dg.MetadataValue.md(table(list(training.report.columns), training.report.itertuples(index=False))),
        "plot_rating_3_scores": dg.MetadataValue.md(image(plots["rating_3_scores"], "P(negative) of rating-3 reviews")),
        "split_time": str(training.split_time),
        "notes": "; ".join(training.notes) or "none",
        **version_metadata(shoplens, SENTIMENT_MODEL, version),
    })


@dg.asset(deps=[sentiment_model], group_name=REVIEWS, kinds={"duckdb"})
def review_sentiment(context: dg.AssetExecutionContext, mlflow: MlflowTracking,
                     shoplens: dg.ResourceParam[Settings]) -> dg.MaterializeResult:
    """Every review scored by the champion: P(negative) and the predicted class (NaN and none without text)."""
    from ml.sentiment.data import load_reviews
    from ml.sentiment.report import SCORED_COLUMNS, score_reviews
    from ml.warehouse import replace_table

    mlflow.setup(shoplens)
    warehouse = shoplens.paths.warehouse
    model, version = _champion(shoplens)
    reviews = load_reviews(warehouse, as_of(context))
    if model is None:
        scored = pd.DataFrame(columns=SCORED_COLUMNS)
        note = {"note": "no champion sentiment model yet: see sentiment_model"}
    else:
        scored = score_reviews(model, reviews).assign(model_version=version)
        note = {"champion_version": version}
    replace_table(warehouse, "review_sentiment", scored)
    with_text = scored[scored["has_text"].astype(bool)] if len(scored) else scored
    by_rating = (with_text.groupby("rating").agg(reviews=("review_id", "size"), mean_negative_prob=("negative_prob", "mean"))
                 .reset_index() if len(with_text) else pd.DataFrame(columns=["rating", "reviews", "mean_negative_prob"]))
    context.log.info(f"{len(with_text)} of {len(scored)} reviews scored" + (f" by sentiment v{version}" if version else ""))
    return dg.MaterializeResult(metadata={
        "dagster/row_count": dg.MetadataValue.int(len(scored)),
        **note,
        "reviews_scored": int(len(with_text)),
        "reviews_without_text": int(len(scored) - len(with_text)),
        **({"share_negative": float((with_text["predicted"] == "negative").mean())} if len(with_text) else {}),
        "by_rating": dg.MetadataValue.md(table(["rating", "reviews", "mean P(negative)"], by_rating.itertuples(index=False))),
    })


@dg.asset(deps=[review_sentiment], group_name=REVIEWS, kinds={"duckdb"})
def product_sentiment(context: dg.AssetExecutionContext, mlflow: MlflowTracking,
                      shoplens: dg.ResourceParam[Settings]) -> dg.MaterializeResult:
    """Per product and category: share negative, its trend (`product_sentiment_weekly`: per product and week) and
    the terms that push reviews negative and positive; and `product_sentiment_daily`, the point-in-time features
    (a review counts from its review time on)."""
    from ml.scoring import latest_feature_day
    from ml.sentiment.data import load_reviews
    from ml.sentiment.model import SentimentParams
    from ml.sentiment.plots import save_weekly_share
    from ml.sentiment.report import category_sentiment, product_sentiment_daily, weekly_negative_share
    from ml.sentiment.report import product_sentiment as products_of
    from ml.warehouse import read_table, replace_table, replace_typed_table

    mlflow.setup(shoplens)
    warehouse = shoplens.paths.warehouse
    scored = read_table(warehouse, "review_sentiment")
    model, version = _champion(shoplens)
    if model is None or scored is None or not scored["has_text"].astype(bool).any():
        replace_typed_table(warehouse, "product_sentiment_daily", pd.DataFrame(), DAILY_COLUMNS)
        return dg.MaterializeResult(metadata={"dagster/row_count": 0, "note": "no scored reviews: see review_sentiment"})
    scored = scored.assign(has_text=scored["has_text"].astype(bool))
    days = pd.date_range(scored["review_time"].min().normalize(), pd.Timestamp(as_of(context) or latest_feature_day(warehouse)))
    daily = product_sentiment_daily(scored, days.date)
    replace_typed_table(warehouse, "product_sentiment_daily", daily, DAILY_COLUMNS)
    params = SentimentParams()
    reviews = load_reviews(warehouse, as_of(context))
    products = products_of(scored, model, reviews, params)
    categories = category_sentiment(scored, model, reviews, params)
    replace_table(warehouse, "product_sentiment", products)
    replace_table(warehouse, "product_sentiment_weekly", weekly_negative_share(scored, by=["product_id"]))
    weekly = weekly_negative_share(scored)
    plot = save_weekly_share(weekly, shoplens.paths.plots(SENTIMENT_MODEL) / "weekly_negative_share.png")
    shown = ["product_id", "category", "n_scored", "share_negative", "trend", "top_negative_terms", "top_positive_terms"]
    worst = products[products["n_scored"] >= 3].sort_values("share_negative", ascending=False).head(10)
    context.log.info(f"sentiment of {len(products)} products and {len(categories)} categories by sentiment v{version}")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": dg.MetadataValue.int(len(products)),
        "champion_version": version,
        "daily_feature_rows": int(len(daily)),
        "most_negative_products": dg.MetadataValue.md(table(["product", "category", "scored", "share negative", "trend",
                                                             "pushes negative", "pushes positive"],
                                                            worst[shown].itertuples(index=False))),
        "categories": dg.MetadataValue.md(table(list(categories.columns), categories.itertuples(index=False))),
        "plot_weekly_negative_share": dg.MetadataValue.md(image(plot, "share of reviews predicted negative, by week")),
    })
