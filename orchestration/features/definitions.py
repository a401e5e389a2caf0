import dagster as dg

from orchestration.features.assets import feast_registry, feature_sources, online_features, training_sets
from orchestration.features.resources import FeastStore

defs = dg.Definitions(
    assets=[feature_sources, feast_registry, *training_sets, online_features],
    resources={"feast": FeastStore()},
)
