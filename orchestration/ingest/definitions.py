import dagster as dg

from orchestration.ingest.assets import landed_source, raw_events, raw_tables
from orchestration.ingest.checks import check_quarantine_share
from orchestration.ingest.resources import ShopSource
from shoplens.settings import Settings


def definitions(settings: Settings) -> dg.Definitions:
    return dg.Definitions(
        assets=[landed_source, raw_tables, raw_events],
        asset_checks=[check_quarantine_share],
        resources={"source": ShopSource(spec=settings.source_spec)},
    )
