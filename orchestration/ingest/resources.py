"""Which source to ingest (the pseudonymisation key comes with the settings, never as run config)."""

import dagster as dg
import pandas as pd
from pydantic import Field


class ShopSource(dg.ConfigurableResource):
    """The shop's raw data, as FORMAT:PATH (see `shoplens run --help`)."""

    spec: str = Field(description="FORMAT:PATH, FORMAT one of canonical, rees46, retailrocket, online_retail, olist.")
    encoding: str = Field(default="utf-8", description="Of the source's CSV files: utf-8, latin-1 or utf-16.")

    def parsed(self):
        from shoplens.ingest import parse_source

        return parse_source(self.spec, self.encoding)

    def ground_truth(self) -> pd.DataFrame | None:
        """The simulator's true probabilities per user and cutoff; None for real data."""
        return self._truth("user_cutoffs")

    def item_truth(self) -> pd.DataFrame | None:
        """The simulator's ranking of each user's products by the true probability of buying them in
        the 7 days after each cutoff, padded by true preference (ml.recommend.oracle.with_preferences);
        None for real data or a simulation made before it kept them."""
        from ml.recommend.oracle import with_preferences

        truth, preferences = self._truth("user_product_cutoffs"), self._truth("top_preferences")
        return None if truth is None or preferences is None else with_preferences(truth, preferences)

    def user_factors(self) -> pd.DataFrame | None:
        """The simulator's hidden traits of every user (activity, intent, tastes); None for real data."""
        return self._truth("user_factors")

    def _truth(self, name: str) -> pd.DataFrame | None:
        folder = self.parsed().ground_truth
        path = folder / f"{name}.parquet" if folder else None
        return pd.read_parquet(path) if path and path.exists() else None
