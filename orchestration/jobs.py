"""Jobs over the whole graph: land the source, build a day range, monitor a day, retrain."""

import dagster as dg

from orchestration import tags
from orchestration.features.assets import training_sets
from orchestration.ingest.assets import landed_source, raw_tables
from orchestration.monitoring.assets import MONITORING
from orchestration.profiles.assets import (
    campaign_lists,
    clv_model,
    customer_rfm,
    customer_value,
    segment_profiles,
    segment_transitions,
    user_segments,
)
from orchestration.recommendations.assets import recommendations, recommender_model
from orchestration.reviews.assets import product_sentiment, review_sentiment, sentiment_model
from orchestration.risk.assets import session_risk_model, suspicious_sessions
from orchestration.training.assets import classifier_models, demand_forecast_model, demand_forecasts, user_scores

LANDING = dg.AssetSelection.assets(landed_source, raw_tables)
MONITORED = dg.AssetSelection.groups(MONITORING)
WAREHOUSE = {tags.WAREHOUSE: "duckdb"}  # each job reads or writes the one DuckDB warehouse
TRAINED = dg.AssetSelection.assets(*training_sets, *classifier_models, demand_forecast_model, recommender_model, clv_model,
                                   user_segments, sentiment_model, session_risk_model)

ingest_source_job = dg.define_asset_job(
    "ingest_source_job",
    selection=LANDING,
    description="Validate the source, quarantine bad rows, register its event days as partitions.",
    tags=WAREHOUSE,
)
build_job = dg.define_asset_job(
    "build_job",
    selection=dg.AssetSelection.all() - LANDING - MONITORED,
    description="Everything downstream of the landing, for a range of event days (one run per range).",
    tags=WAREHOUSE,
)
daily_job = dg.define_asset_job(
    "daily_job",
    selection=dg.AssetSelection.all() - TRAINED,
    description="One event day: land the source, dbt, features online, score users and sessions, fresh "
    "recommendations, customer value and campaign lists, review sentiment, the monitoring reports.",
    tags=WAREHOUSE,
)
monitoring_job = dg.define_asset_job(
    "monitoring_job",
    selection=MONITORED,
    description="The monitoring reports and retrain decision of one event day (rerun them from here).",
    tags=WAREHOUSE,
)
retrain_job = dg.define_asset_job(
    "retrain_job",
    selection=TRAINED | dg.AssetSelection.assets(user_scores, demand_forecasts, recommendations, segment_profiles,
                                                 segment_transitions, customer_rfm, customer_value, campaign_lists,
                                                 review_sentiment, product_sentiment, suspicious_sessions),
    description="Training sets, challengers through the promotion gate, then scores from the champions. "
    "Tag shoplens/as_of=YYYY-MM-DD trains only on what was known that day.",
    tags=WAREHOUSE,
)
