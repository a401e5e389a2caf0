import dagster as dg

from orchestration.features.assets import feast_registry, feature_sources, online_features, training_sets

defs = dg.Definitions(assets=[feature_sources, feast_registry, *training_sets, online_features])
