"""Source ingest: map a source format to the canonical schema through DuckDB.

    src = parse_source("rees46:/data/2019-Oct.csv.gz")
    report = land(src, landing_db)
    export_event_days(landing_db, raw_dir, report.event_days)
    export_tables(landing_db, raw_dir)
"""

from shoplens.ingest.export import export_event_days, export_tables
from shoplens.ingest.landing import LandingReport, land
from shoplens.ingest.sources import Source, SourceError, parse_source

__all__ = [
    "LandingReport",
    "Source",
    "SourceError",
    "export_event_days",
    "export_tables",
    "land",
    "parse_source",
]
