import dagster as dg

from orchestration.monitoring.assets import (
    feature_drift_report,
    model_performance_report,
    monitored_users,
    prediction_drift_report,
    retrain_decision,
)
from orchestration.monitoring.resources import MonitoringSettings

defs = dg.Definitions(
    assets=[monitored_users, feature_drift_report, prediction_drift_report, model_performance_report, retrain_decision],
    resources={"monitoring": MonitoringSettings()},
)
