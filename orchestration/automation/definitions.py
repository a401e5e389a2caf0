import dagster as dg

from orchestration.automation.schedules import daily_schedule, weekly_retrain_schedule
from orchestration.automation.sensors import retrain_sensor

defs = dg.Definitions(schedules=[daily_schedule, weekly_retrain_schedule], sensors=[retrain_sensor])
