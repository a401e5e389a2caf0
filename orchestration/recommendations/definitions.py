import dagster as dg

from orchestration.recommendations.assets import frequently_bought_together, recommendations, recommender_model
from orchestration.recommendations.checks import recommendation_checks

defs = dg.Definitions(assets=[recommender_model, recommendations, frequently_bought_together],
                      asset_checks=recommendation_checks)
