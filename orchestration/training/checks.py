"""The promotion gate: a challenger becomes champion only when it beats it on the newest holdout."""

import dagster as dg
import pandas as pd

from ml.feature_store import TRAINING_SETS
from orchestration.markdown import table
from orchestration.tags import as_of
from orchestration.training.resources import MlflowTracking
from ml.demand_data import load_demand
from shoplens.config import data_dir, warehouse_path


def _classifier_holdout(model: str, context, mlflow: MlflowTracking):
    """The newest cutoff of the model's training set (as training sees it), and a scorer of registered models on it."""
    from ml.datasets import time_split, without_small_cutoffs
    from ml.holdout import classifier_holdout_metrics

    frame, _ = without_small_cutoffs(pd.read_parquet(data_dir() / "training_sets" / f"{model}.parquet"),
                                     mlflow.min_cutoff_users)
    split = time_split(frame, TRAINING_SETS[model].label)
    return lambda registered: classifier_holdout_metrics(registered, split)


def _demand_holdout(model: str, context, mlflow: MlflowTracking):
    """The newest week of product demand (up to the run's as_of), and a scorer of registered demand models on it."""
    from ml.holdout import demand_holdout_metrics

    demand = load_demand(warehouse_path(), as_of(context))
    return lambda registered: demand_holdout_metrics(registered, demand)


def promotion_check(model: str, holdout, metric: str, higher_is_better: bool) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=f"{model}_model",
        name=f"check_{model}_promotion",
        blocking=True,
        description=f"Promotes the challenger when its {metric} beats the champion's on the newest holdout by the "
        "margin and it is sane (no NaN predictions, calibrated); fails, blocking scoring, only when it is not sane.",
    )
    def _check(context: dg.AssetCheckExecutionContext, mlflow: MlflowTracking) -> dg.AssetCheckResult:
        from ml.promotion import decide, history, promote
        from ml.tracking import load_by_alias, version_by_alias

        mlflow.setup()
        challenger = version_by_alias(model, "challenger", data_dir())
        champion = version_by_alias(model, "champion", data_dir())
        if challenger is None:
            return dg.AssetCheckResult(passed=True, metadata={"decision": "no model was trained (see the model asset)"})
        score = holdout(model, context, mlflow)
        scored = {"challenger": score(load_by_alias(model, "challenger", data_dir()))}
        # the first model is champion and challenger at once: score it once
        scored["champion"] = scored["challenger"] if champion == challenger else score(load_by_alias(model, "champion", data_dir()))
        calibration = mlflow.max_calibration_error if "test_calibration_error" in scored["challenger"] else None
        if champion == challenger:  # the first model became champion when it was registered
            decision_text, passed = f"v{challenger} is the first {model} model: champion", True
        else:
            decision = decide(scored["challenger"], scored["champion"], metric=metric, margin=mlflow.promotion_margin,
                              max_calibration_error=calibration, higher_is_better=higher_is_better)
            promote(model, challenger, decision, who=f"dagster run {context.run.run_id}", data_dir=data_dir())
            passed = decision.promote
            decision_text = ("promoted" if decision.promote else "kept the champion") + ": " + "; ".join(decision.reasons)
        sane = scored["challenger"]["nan_predictions"] == 0 and (
            calibration is None or scored["challenger"]["test_calibration_error"] <= calibration)
        context.log.info(f"{model} challenger v{challenger} vs champion v{champion}: {decision_text}")
        recent = history(model, data_dir()).tail(5)
        return dg.AssetCheckResult(
            passed=passed,
            severity=dg.AssetCheckSeverity.WARN if sane else dg.AssetCheckSeverity.ERROR,
            metadata={
                "decision": decision_text,
                "challenger_version": challenger,
                "champion_version_before": champion,
                "metric": metric,
                "observed": scored["challenger"][metric],
                "champion_score": scored["champion"][metric],
                "margin": mlflow.promotion_margin,
                "promotion_history": dg.MetadataValue.md(table(
                    ["decided at", "champion", "challenger", "promoted", "reasons"],
                    recent[["decided_at", "old_champion_version", "challenger_version", "promoted", "reasons"]].itertuples(index=False),
                )),
            },
        )

    return _check


promotion_checks = [promotion_check(model, _classifier_holdout, "test_roc_auc", True) for model in TRAINING_SETS]
promotion_checks.append(promotion_check("demand_forecast", _demand_holdout, "test_wape", False))
