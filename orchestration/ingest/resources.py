"""Which source to ingest, and how to pseudonymise it."""


from pathlib import Path

import dagster as dg
import pandas as pd
from pydantic import Field

from shoplens.config import data_dir, default_source_dir


class ShopSource(dg.ConfigurableResource):
    """The shop's raw data, as FORMAT:PATH (see `shoplens run --help`)."""

    spec: str = Field(
        default_factory=lambda: f"canonical:{default_source_dir()}",
        description="FORMAT:PATH, FORMAT one of canonical, rees46, retailrocket, online_retail, olist.",
    )
    pseudonymise_key: str | None = Field(
        default=None, description="Key of the keyed hash applied to user ids at ingest; none keeps them."
    )
    encoding: str = Field(default="utf-8", description="Of the source's CSV files: utf-8, latin-1 or utf-16.")

    def parsed(self):
        from shoplens.ingest import parse_source

        return parse_source(self.spec, self.encoding)

    @property
    def landing_db(self) -> Path:
        return data_dir() / "landing.duckdb"

    def ground_truth(self) -> pd.DataFrame | None:
        """The simulator's true probabilities per user and cutoff; None for real data."""
        folder = self.parsed().ground_truth
        return pd.read_parquet(folder / "user_cutoffs.parquet") if folder else None
