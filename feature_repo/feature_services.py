"""One versioned feature service per model: a model is trained and served on exactly one.
A new version adds features; the old one stays servable for the models trained on it."""

from feast import FeatureService, FeatureView, OnDemandFeatureView

ACTIVITY_V1 = [
    *(f"{what}_{days}d" for what in ("views", "carts", "purchases", "spend") for days in (1, 7, 30)),
    "distinct_categories_30d", "days_since_last_event", "days_since_last_purchase", "sessions_30d",
    "cart_abandonment_rate_30d", "mean_session_minutes_30d", "n_reviews", "mean_review_rating",
]
CHURN_V1 = [
    "views_7d", "views_30d", "purchases_7d", "purchases_30d", "spend_30d", "sessions_30d",
    "days_since_last_event", "days_since_last_purchase", "distinct_categories_30d",
    "cart_abandonment_rate_30d", "mean_session_minutes_30d", "mean_review_rating",
]
BUYING_CYCLE = [
    "purchase_days_90d", "purchase_days_365d", "orders_30d", "orders_90d", "orders_365d",
    "spend_90d", "spend_365d", "distinct_products_90d", "distinct_products_365d", "tenure_days",
    "mean_purchase_interval_days", "std_purchase_interval_days", "purchase_overdue_ratio",
    "spend_trend_30d_vs_prev_90d", "cancelled_share_365d",
]


def user_services(user_activity: FeatureView, user_intent: OnDemandFeatureView) -> list[FeatureService]:
    """The classifiers' services: a user's activity and intent only."""
    return [
        FeatureService(
            name="purchase_propensity_v1",
            features=[user_activity[ACTIVITY_V1], user_intent],
            description="Who buys in the next 7 days (30-day behaviour).",
        ),
        FeatureService(
            name="churn_v1",
            features=[user_activity[CHURN_V1], user_intent[["recent_view_share"]]],
            description="Who has no event in the next 30 days (30-day behaviour).",
        ),
        FeatureService(
            name="purchase_propensity_v2",
            features=[user_activity, user_intent],
            description="Who buys in the next 7 days: 30-day behaviour and the 90/365-day buying cycle.",
        ),
        FeatureService(
            name="churn_v2",
            features=[user_activity[CHURN_V1 + BUYING_CYCLE], user_intent[["recent_view_share"]]],
            description="Who has no event in the next 30 days: 30-day behaviour and the 90/365-day buying cycle.",
        ),
    ]


def feature_services(user_activity: FeatureView, user_intent: OnDemandFeatureView, product_activity: FeatureView,
                     product_sentiment: FeatureView, customer_rfm: FeatureView) -> list[FeatureService]:
    return [
        *user_services(user_activity, user_intent),
        FeatureService(
            name="customer_value_v1",
            features=[customer_rfm],
            description="What the CLV model values a customer on: the BTYD summary of their purchases.",
        ),
        FeatureService(
            name="product_profile_v1",
            features=[product_activity, product_sentiment],
            description="A product as an application shows it: its funnel, price and rating, and what its reviews say.",
        ),
    ]
