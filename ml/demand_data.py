"""Product demand from the warehouse, as the demand model reads it."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pandas as pd


def load_demand(warehouse: Path, as_of: date | None = None) -> pd.DataFrame:
    """`product_demand_daily` (one row per product per day, zero-filled) up to `as_of`, oldest first."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            "select product_id, demand_date, units, mean_price from product_demand_daily "
            "where ?::date is null or demand_date <= ? order by product_id, demand_date", [as_of, as_of]
        ).df()


def write_forecasts(warehouse: Path, forecasts: pd.DataFrame) -> None:
    """Replace the `demand_forecasts` table (product_id, forecast_date, units_forecast, model_version)."""
    with duckdb.connect(str(warehouse)) as con:
        con.register("forecasts", forecasts)
        con.execute("create or replace table demand_forecasts as select * from forecasts")
