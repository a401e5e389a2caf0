"""Every Feast object ShopLens declares, for the folder its feature marts are exported to."""

from pathlib import Path

from feature_repo.data_sources import file_source
from feature_repo.entities import product, user
from feature_repo.feature_services import feature_services, user_services
from feature_repo.feature_views import customer_rfm, product_activity, product_sentiment, user_activity
from feature_repo.on_demand_views import user_intent_view


def feature_objects(sources: Path) -> list:
    """Entities, feature views, the on-demand view and the feature services, in that order."""
    users = user_activity(sources)
    intent = user_intent_view(users)
    products, sentiment, customers = product_activity(sources), product_sentiment(sources), customer_rfm(sources)
    return [user, product, users, products, sentiment, customers, intent,
            *feature_services(users, intent, products, sentiment, customers)]


def user_feature_objects(sources: Path, source=file_source) -> list:
    """What the classifiers train on: the user entity, its activity view (its batch source made by
    `source(folder, table)`), the on-demand view and the classifiers' services."""
    users = user_activity(sources, source=source)
    intent = user_intent_view(users)
    return [user, users, intent, *user_services(users, intent)]
