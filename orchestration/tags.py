"""Run tags ShopLens reads and writes; they show in the Dagster UI beside every run."""

from datetime import date

import dagster as dg

AS_OF = "shoplens/as_of"  # train only on what was known at the end of this day (backtests, the drift scenario)
RETRAIN_REASONS = "shoplens/retrain_reasons"  # why the policy asked for this retraining
TRIGGER = "shoplens/trigger"  # what launched a retraining: schedule, drift_sensor or on-call
WAREHOUSE = "shoplens/warehouse"  # on every job: the instance runs one of them at a time (DuckDB has one writer)


def as_of(context: dg.AssetExecutionContext | dg.AssetCheckExecutionContext) -> date | None:
    """The run's `shoplens/as_of` day, or None to use all data."""
    value = context.run.tags.get(AS_OF)
    return date.fromisoformat(value) if value else None
