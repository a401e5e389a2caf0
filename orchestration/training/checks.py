"""The promotion gate's checks: each runs ml.promotion.run_gate on its model and reports the outcome."""

import dagster as dg

from ml.catalogue import GATES, TRAINING_SETS
from orchestration.markdown import table
from orchestration.tags import as_of
from orchestration.training.resources import MlflowTracking
from shoplens.settings import Settings

RECENT = 5  # decisions shown in the check's history table
NOTHING_TO_DECIDE = "no challenger awaits a decision: none was trained this run (see the model asset) or it is decided"


def promotion_check(model: str) -> dg.AssetChecksDefinition:
    gate = GATES[model]

    @dg.asset_check(
        asset=f"{model}_model",
        name=f"check_{model}_promotion",
        blocking=True,
        description=f"Promotes the challenger when its {gate.metric} beats the champion's on the newest holdout by "
        "the margin and it is sane (no NaN predictions, calibrated; the first model: no NaN predictions); fails, "
        "blocking scoring, only when it is not sane and a champion is there to keep.",
    )
    def _check(context: dg.AssetCheckExecutionContext, mlflow: MlflowTracking,
               shoplens: dg.ResourceParam[Settings]) -> dg.AssetCheckResult:
        from ml.holdout import holdout_scorer
        from ml.promotion import history, run_gate

        mlflow.setup(shoplens)
        score = holdout_scorer(model, shoplens, min_cutoff_users=mlflow.min_cutoff_users, as_of=as_of(context))
        outcome = run_gate(model, shoplens, score, gate, margin=mlflow.promotion_margin,
                           max_calibration_error=mlflow.max_calibration_error, who=f"dagster run {context.run.run_id}")
        if outcome is None:
            return dg.AssetCheckResult(passed=True, metadata={"decision": NOTHING_TO_DECIDE})
        context.log.info(f"{model}: {outcome.text}")
        recent = history(model, shoplens).tail(RECENT)
        return dg.AssetCheckResult(
            passed=outcome.promoted,
            severity=dg.AssetCheckSeverity.ERROR if not outcome.sane and outcome.champion_version else dg.AssetCheckSeverity.WARN,
            metadata={
                "decision": outcome.text,
                "challenger_version": outcome.challenger_version,
                "champion_version_before": outcome.champion_version,
                "metric": gate.metric,
                "observed": outcome.decision.challenger_score,
                "champion_score": outcome.decision.champion_score,
                "margin": mlflow.promotion_margin,
                "promotion_history": dg.MetadataValue.md(table(
                    ["decided at", "champion", "challenger", "promoted", "reasons"],
                    recent[["decided_at", "old_champion_version", "challenger_version", "promoted", "reasons"]]
                    .itertuples(index=False),
                )),
            },
        )

    return _check


promotion_checks = [promotion_check(model) for model in (*TRAINING_SETS, "demand_forecast")]  # the others: their groups
