import os

import dagster as dg

from orchestration.ingest.assets import landed_source, raw_events, raw_tables
from orchestration.ingest.checks import check_quarantine_share
from orchestration.ingest.resources import ShopSource


def _source() -> ShopSource:
    """The source from SHOPLENS_SOURCE / SHOPLENS_PSEUDONYMISE_KEY, else the simulated default."""
    settings = {}
    if os.environ.get("SHOPLENS_SOURCE"):
        settings["spec"] = os.environ["SHOPLENS_SOURCE"]
    if os.environ.get("SHOPLENS_PSEUDONYMISE_KEY"):
        settings["pseudonymise_key"] = dg.EnvVar("SHOPLENS_PSEUDONYMISE_KEY")
    return ShopSource(**settings)


defs = dg.Definitions(
    assets=[landed_source, raw_tables, raw_events],
    asset_checks=[check_quarantine_share],
    resources={"source": _source()},
)
