"""A check that warns when the share of flagged sessions jumps: a bot attack, or a tracking change."""

import dagster as dg
import duckdb
import pandas as pd

from orchestration.risk.assets import suspicious_sessions
from shoplens.settings import Settings

BASELINE_DAYS = 14  # the newest day's flagged share against the median of the days before it
MAX_RATIO, MIN_JUMP = 2.0, 0.02  # a jump: more than twice the median, and at least 2 points above it
MIN_DAY_SESSIONS = 100  # on a smaller day one session moves the share by a point or more: nothing to judge


def flagged_share_jump(by_day: pd.DataFrame) -> dict:
    """The newest day's flagged share beside the median of the `BASELINE_DAYS` before it, and whether it jumped
    (never on a day of under `MIN_DAY_SESSIONS` sessions)."""
    newest, before = by_day.iloc[-1], by_day.iloc[-1 - BASELINE_DAYS:-1]
    median = float(before["flagged_share"].median())
    observed, threshold = float(newest["flagged_share"]), max(median * MAX_RATIO, median + MIN_JUMP)
    return {"day": str(newest["session_date"]), "sessions": int(newest["sessions"]), "observed": observed,
            "baseline_median": median, "threshold": threshold,
            "jumped": bool(observed > threshold and newest["sessions"] >= MIN_DAY_SESSIONS)}


@dg.asset_check(asset=suspicious_sessions, description=f"Warns when the newest day's share of flagged sessions is more "
                f"than {MAX_RATIO:g}x the median of the {BASELINE_DAYS} days before it and {MIN_JUMP:.0%} above it (on a day of at "
                f"least {MIN_DAY_SESSIONS} sessions): "
                "a bot attack, or a tracking change that makes humans look like bots.")
def check_flagged_share_stable(shoplens: dg.ResourceParam[Settings]) -> dg.AssetCheckResult:
    with duckdb.connect(str(shoplens.paths.warehouse), read_only=True) as con:
        by_day = con.execute("select session_date, count(*) as sessions, avg(flagged::int) as flagged_share "
                             "from suspicious_sessions group by 1 order by 1").df()
    if len(by_day) < 2:
        return dg.AssetCheckResult(passed=True, metadata={"note": f"{len(by_day)} scored day(s): nothing to compare"})
    jump = flagged_share_jump(by_day)
    return dg.AssetCheckResult(passed=not jump.pop("jumped"), severity=dg.AssetCheckSeverity.WARN, metadata=jump)


risk_checks = [check_flagged_share_stable]
