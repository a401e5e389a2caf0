"""Checks on what ingest let through."""

import dagster as dg
import duckdb

from orchestration.ingest.assets import landed_source
from shoplens.settings import Settings

MAX_QUARANTINE_SHARE = 0.05


@dg.asset_check(asset=landed_source, description=f"Warns when more than {MAX_QUARANTINE_SHARE:.0%} of the rows were quarantined.")
def check_quarantine_share(shoplens: dg.ResourceParam[Settings]) -> dg.AssetCheckResult:
    with duckdb.connect(str(shoplens.paths.landing_db), read_only=True) as con:
        quarantined, valid = con.execute(
            "select (select count(*) from quarantine), (select count(*) from events)"
        ).fetchone()
    share = quarantined / max(quarantined + valid, 1)
    return dg.AssetCheckResult(
        passed=share <= MAX_QUARANTINE_SHARE,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"observed": share, "threshold": MAX_QUARANTINE_SHARE, "quarantined_rows": quarantined},
    )
