"""The recommender's promotion gate, and monitoring's check of what users are shown."""

import dagster as dg

from orchestration.monitoring.resources import MonitoringSettings
from orchestration.recommendations.assets import recommendations
from orchestration.training.checks import promotion_check
from shoplens.settings import Settings


@dg.asset_check(asset=recommendations, description="Warns when the lists cover too little of the catalogue or "
                "too many users get only the popularity list (cold: nothing personal was found for them).")
def check_recommendations_coverage(monitoring: MonitoringSettings,
                                   shoplens: dg.ResourceParam[Settings]) -> dg.AssetCheckResult:
    import duckdb

    with duckdb.connect(str(shoplens.paths.warehouse), read_only=True) as con:
        users, covered, cold, catalogue = con.execute(
            """
            select count(distinct user_id), count(distinct product_id),
                   count(distinct user_id) filter (where user_id not in
                       (select user_id from recommendations where source <> 'popularity')),
                   (select count(*) from dim_products)
            from recommendations
            """
        ).fetchone()
    coverage = covered / catalogue if catalogue else 0.0
    cold_share = cold / users if users else 1.0
    problems = [f"coverage {coverage:.3f} < {monitoring.min_recommendation_coverage}"] * (
        coverage < monitoring.min_recommendation_coverage
    ) + [f"cold users {cold_share:.3f} > {monitoring.max_cold_user_share}"] * (cold_share > monitoring.max_cold_user_share)
    return dg.AssetCheckResult(
        passed=not problems,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={"users": users, "coverage": coverage, "cold_user_share": cold_share,
                  "problems": "; ".join(problems) or "none"},
    )


recommendation_checks = [promotion_check("recommender"), check_recommendations_coverage]
