"""Jobs over the whole graph: land the source, then build everything downstream for a day range."""

import dagster as dg

from orchestration.ingest.assets import landed_source, raw_tables

LANDING = dg.AssetSelection.assets(landed_source, raw_tables)

ingest_source_job = dg.define_asset_job(
    "ingest_source_job",
    selection=LANDING,
    description="Validate the source, quarantine bad rows, register its event days as partitions.",
)
build_job = dg.define_asset_job(
    "build_job",
    selection=dg.AssetSelection.all() - LANDING,
    description="Everything downstream of the landing, for a range of event days (one run per range).",
)
