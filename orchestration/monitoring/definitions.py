import dagster as dg

from orchestration.monitoring.assets import (
    feature_drift_report,
    model_performance_report,
    monitored_users,
    prediction_drift_report,
    retrain_decision,
)
from orchestration.monitoring.resources import MonitoringSettings
from orchestration.monitoring.schedules import daily_schedule, weekly_retrain_schedule
from orchestration.monitoring.sensors import retrain_sensor

defs = dg.Definitions(
    assets=[monitored_users, feature_drift_report, prediction_drift_report, model_performance_report, retrain_decision],
    schedules=[daily_schedule, weekly_retrain_schedule],
    sensors=[retrain_sensor],
    resources={"settings": MonitoringSettings()},
)
