import dagster as dg

from orchestration.training.assets import classifier_models, demand_forecast_model, demand_forecasts, user_scores
from orchestration.training.checks import promotion_checks
from orchestration.training.resources import MlflowTracking

defs = dg.Definitions(
    assets=[*classifier_models, user_scores, demand_forecast_model, demand_forecasts],
    asset_checks=promotion_checks,
    resources={"mlflow": MlflowTracking()},
)
