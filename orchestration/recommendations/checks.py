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
    from ml.recommend.data import recommendation_summary

    summary = recommendation_summary(shoplens.paths.warehouse)
    coverage, cold_share = summary["coverage"], summary["cold_user_share"]
    problems = []
    if coverage < monitoring.min_recommendation_coverage:
        problems.append(f"coverage {coverage:.3f} < {monitoring.min_recommendation_coverage}")
    if cold_share > monitoring.max_cold_user_share:
        problems.append(f"cold users {cold_share:.3f} > {monitoring.max_cold_user_share}")
    return dg.AssetCheckResult(
        passed=not problems,
        severity=dg.AssetCheckSeverity.WARN,
        metadata={**summary, "problems": "; ".join(problems) or "none"},
    )


recommendation_checks = [promotion_check("recommender"), check_recommendations_coverage]
