"""Feature views over the daily marts. A row is served for at most a week after its day:
the marts have a row for every day, so anything older means the pipeline stopped."""

from datetime import timedelta
from pathlib import Path

from feast import FeatureView, Field
from feast.types import Float64, Int64

from feature_repo.data_sources import file_source
from feature_repo.entities import product, user

TTL = timedelta(days=7)


def _fields(types: dict) -> list[Field]:
    return [Field(name=name, dtype=dtype) for name, dtype in types.items()]


USER_ACTIVITY = {
    **{f"{what}_{days}d": Int64 for what in ("views", "carts", "purchases") for days in (1, 7, 30)},
    **{f"spend_{days}d": Float64 for days in (1, 7, 30)},
    "distinct_categories_30d": Int64,
    "days_since_last_event": Int64,
    "days_since_last_purchase": Int64,
    "sessions_30d": Int64,
    "cart_abandonment_rate_30d": Float64,
    "mean_session_minutes_30d": Float64,
    "n_reviews": Int64,
    "mean_review_rating": Float64,
    # the buying cycle (served from purchase_propensity_v2 / churn_v2 on)
    **{f"{what}_{days}d": Int64 for what in ("purchase_days", "distinct_products") for days in (90, 365)},
    **{f"orders_{days}d": Int64 for days in (30, 90, 365)},
    "spend_90d": Float64,
    "spend_365d": Float64,
    "spend_trend_30d_vs_prev_90d": Float64,
    "cancelled_share_365d": Float64,
    "tenure_days": Int64,
    "mean_purchase_interval_days": Float64,
    "std_purchase_interval_days": Float64,
    "purchase_overdue_ratio": Float64,
}
PRODUCT_ACTIVITY = {
    **{f"{what}_{days}d": Int64 for what in ("views", "carts", "purchases") for days in (1, 7)},
    "conversion_rate_1d": Float64,
    "conversion_rate_7d": Float64,
    "price": Float64,
    "n_reviews": Int64,
    "mean_rating": Float64,
}
PRODUCT_SENTIMENT = {
    "n_scored_reviews": Int64,
    "share_negative": Float64,
    "mean_negative_prob": Float64,
}

CUSTOMER_RFM = {  # BTYD's summary of a customer (ml/clv/data.rfm_summary): what the CLV model reads
    "frequency": Int64,
    "recency": Float64,
    "T": Float64,
    "monetary_value": Float64,
}


def _online_view(name: str, entity, types: dict, source, description: str) -> FeatureView:
    return FeatureView(name=name, entities=[entity], ttl=TTL, schema=_fields(types), source=source, online=True,
                       description=description)


def user_activity(sources: Path, source=file_source) -> FeatureView:
    """`source(folder, table)` makes the batch source: the exported parquet file, or a SparkSource."""
    return _online_view("user_activity", user, USER_ACTIVITY, source(sources, "user_features_daily"),
                        "Rolling 1/7/30-day behaviour and the 90/365-day buying cycle of a user, as of the end of each day.")


def product_activity(sources: Path) -> FeatureView:
    return _online_view("product_activity", product, PRODUCT_ACTIVITY, file_source(sources, "product_features_daily"),
                        "Daily and 7-day funnel counts, price and rating of a product.")


def product_sentiment(sources: Path) -> FeatureView:
    return _online_view("product_sentiment", product, PRODUCT_SENTIMENT, file_source(sources, "product_sentiment_daily"),
                        "What the champion sentiment model makes of a product's reviews so far: a review counts from its "
                        "review time on.")


def customer_rfm(sources: Path) -> FeatureView:
    return _online_view("customer_rfm", user, CUSTOMER_RFM, file_source(sources, "customer_rfm"),
                        "Each customer's repeat purchase days, days from the first to the last purchase, days since the "
                        "first and mean repeat value, at the end of the data (one row per customer, stamped the midnight after).")
