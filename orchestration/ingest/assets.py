"""Ingest: the source is validated into a landing database, then written out as raw tables.

`landed_source` reads the whole source once (quarantining bad rows) and registers one
`event_days` partition per day found; `raw_events` writes the events of its partitions.
"""


import dagster as dg

from orchestration.ingest.resources import ShopSource
from orchestration.markdown import table
from orchestration.partitions import EVENT_DAYS
from shoplens.ingest import export_event_days, export_tables, land
from shoplens.settings import Settings

INGEST = "ingest"
RAW_TABLES = ("products", "users", "reviews", "session_labels", "quarantine")


@dg.asset(group_name=INGEST, kinds={"duckdb"})
def landed_source(context: dg.AssetExecutionContext, source: ShopSource,
                  shoplens: dg.ResourceParam[Settings]) -> dg.MaterializeResult:
    """The whole source validated into the landing database; bad rows quarantined with a reason."""
    shoplens.data_dir.mkdir(parents=True, exist_ok=True)
    report = land(source.parsed(), shoplens.paths.landing_db, pseudonymise_key=shoplens.pseudonymise_key,
                  memory_limit=shoplens.landing_memory_limit)
    if shoplens.pseudonymise_key:  # the serving API hashes the ids it is asked
        shoplens.paths.pseudonymised_marker.touch()
    else:
        shoplens.paths.pseudonymised_marker.unlink(missing_ok=True)
    days = report.event_days
    known = set(context.instance.get_dynamic_partitions(EVENT_DAYS.name))
    new_days = [day for day in days if day not in known]
    context.instance.add_dynamic_partitions(EVENT_DAYS.name, new_days)
    quarantined = report.rows["quarantine"]
    context.log.info(
        f"Landed {source.spec}: {report.rows} rows, {quarantined} quarantined, "
        f"{len(days)} event days ({len(new_days)} new partitions)"
    )
    reasons = sorted(report.quarantine_by_reason.items(), key=lambda kv: -kv[1])
    return dg.MaterializeResult(
        metadata={
            "source": source.spec,
            **{f"rows_{name}": dg.MetadataValue.int(n) for name, n in report.rows.items() if name != "quarantine"},
            "rows_read": dg.MetadataValue.int(sum(report.input_rows.values())),
            "files_read": dg.MetadataValue.md(table(["file", "data rows read"], sorted(report.input_rows.items()))),
            "quarantined_rows": dg.MetadataValue.int(quarantined),
            "quarantine_reasons": dg.MetadataValue.md(table(["reason", "rows"], reasons) if reasons else "none"),
            "event_days": dg.MetadataValue.int(len(days)),
            "first_day": days[0] if days else "",
            "last_day": days[-1] if days else "",
            "absent_tables": ", ".join(report.absent_tables) or "none",
            "sparse_days": ", ".join(f"{day} ({n} events)" for day, n in sorted(report.sparse_days.items())) or "none",
            "lacks": (", ".join(report.lacks) + ": the features built from them are null and left out of the models")
            if report.lacks else "nothing",
        }
    )


@dg.multi_asset(
    specs=[
        dg.AssetSpec(f"raw_{name}", deps=[landed_source], group_name=INGEST, kinds={"parquet"})
        for name in RAW_TABLES
    ],
)
def raw_tables(shoplens: dg.ResourceParam[Settings]):
    """Products, users, reviews, session labels and the quarantine as parquet for dbt."""
    counts = export_tables(shoplens.paths.landing_db, shoplens.paths.raw)
    for name in RAW_TABLES:
        rows = counts[name]
        yield dg.MaterializeResult(
            asset_key=f"raw_{name}",
            metadata={
                "dagster/row_count": dg.MetadataValue.int(rows),
                "note": "absent from this source: written empty" if rows == 0 else "",
            },
        )


@dg.asset(
    deps=[landed_source],
    partitions_def=EVENT_DAYS,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name=INGEST,
    kinds={"parquet"},
)
def raw_events(context: dg.AssetExecutionContext, shoplens: dg.ResourceParam[Settings]) -> dg.MaterializeResult:
    """Validated events, one parquet file per event day (rewriting a day replaces it)."""
    days = context.partition_keys
    rows_by_day = export_event_days(shoplens.paths.landing_db, shoplens.paths.raw, days)
    context.log.info(f"Wrote {sum(rows_by_day.values())} events for {len(days)} days ({days[0]}..{days[-1]})")
    busiest = sorted(rows_by_day.items(), key=lambda kv: -kv[1])[:5]
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(sum(rows_by_day.values())),
            "days": dg.MetadataValue.int(len(days)),
            "busiest_days": dg.MetadataValue.md(table(["day", "events"], busiest)),
        }
    )
