"""The CLV model's promotion gate, and a check that the segments keep their meaning across refits."""

import dagster as dg

from orchestration.profiles.assets import user_segments
from orchestration.training.checks import promotion_check


@dg.asset_check(asset=user_segments, description="Warns when a refit adds or retires segments: some ids no longer "
                "mean the kind of customer they meant before (the asset's `segments` table says which).")
def check_segments_stable(context: dg.AssetCheckExecutionContext) -> dg.AssetCheckResult:
    event = context.instance.get_latest_materialization_event(user_segments.key)
    meta = {k: v.value for k, v in event.asset_materialization.metadata.items()} if event else {}
    if not meta.get("trained"):
        return dg.AssetCheckResult(passed=True, metadata={"note": "no segments were fitted"})
    if meta["previous_version"] is None:
        return dg.AssetCheckResult(passed=True, metadata={"note": "the first fit: nothing to match"})
    changed = {k: meta[k] for k in ("new_segments", "retired_segments")}
    return dg.AssetCheckResult(passed=not any(changed.values()), severity=dg.AssetCheckSeverity.WARN,
                               metadata={**changed, "retired_segment_ids": meta["retired_segment_ids"]})


profile_checks = [promotion_check("clv"), check_segments_stable]
