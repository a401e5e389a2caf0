"""One versioned feature service per model: a model is trained and served on exactly one."""

from feast import FeatureService

from feature_repo.feature_views import user_activity
from feature_repo.on_demand_views import user_intent

purchase_propensity_v1 = FeatureService(
    name="purchase_propensity_v1",
    features=[user_activity, user_intent],
    description="Who buys in the next 7 days.",
)
churn_v1 = FeatureService(
    name="churn_v1",
    features=[
        user_activity[[
            "views_7d", "views_30d", "purchases_7d", "purchases_30d", "spend_30d", "sessions_30d",
            "days_since_last_event", "days_since_last_purchase", "distinct_categories_30d",
            "cart_abandonment_rate_30d", "mean_session_minutes_30d", "mean_review_rating",
        ]],
        user_intent[["recent_view_share"]],
    ],
    description="Who has no event in the next 30 days.",
)
