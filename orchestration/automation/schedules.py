"""The daily build-and-monitor of yesterday's events and the weekly retraining."""

from datetime import timedelta

import dagster as dg

from orchestration import tags
from orchestration.jobs import daily_job, retrain_job
from orchestration.partitions import EVENT_DAYS


@dg.schedule(job=daily_job, cron_schedule="0 3 * * *", execution_timezone="UTC",
             description="Yesterday's events: land, dbt, online features, scores, monitoring reports.")
def daily_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    day = (context.scheduled_execution_time - timedelta(days=1)).date().isoformat()
    # landing registers the days it finds, but a run can only target a partition that already exists
    if not context.instance.has_dynamic_partition(EVENT_DAYS.name, day):
        context.instance.add_dynamic_partitions(EVENT_DAYS.name, [day])
    return dg.RunRequest(run_key=day, partition_key=day)


@dg.schedule(job=retrain_job, cron_schedule="0 4 * * 1", execution_timezone="UTC",
             description="Every Monday: retrain every model; challengers go through the promotion gate.")
def weekly_retrain_schedule(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    week = context.scheduled_execution_time.date().isoformat()
    return dg.RunRequest(run_key=f"weekly-{week}", tags={tags.TRIGGER: "schedule", tags.RETRAIN_REASONS: "weekly retraining"})
