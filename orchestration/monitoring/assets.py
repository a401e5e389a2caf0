"""Monitoring: each event day, the champions' inputs and scores against their training window,
their realised performance once labels mature, and the retrain decision that follows.

Every report is an Evidently HTML page and a JSON summary under `<data dir>/monitoring/reports/<day>/`
and a snapshot in the Evidently workspace `<data dir>/monitoring/workspace` (`evidently ui`), or
under the team profile on the Evidently service SHOPLENS_EVIDENTLY_URL.
"""

from dataclasses import asdict
from datetime import date, datetime

import dagster as dg
import pandas as pd

from ml.catalogue import TRAINING_SETS
from orchestration.markdown import table
from orchestration.monitoring.resources import MonitoringSettings
from orchestration.partitions import EVENT_DAYS
from orchestration.training.resources import MlflowTracking
from shoplens.settings import Settings

MONITORING = "monitoring"
PRIMARY = "purchase_propensity"  # its service holds every user feature (churn's is a subset): feature drift uses it


def _day(context: dg.AssetExecutionContext) -> date:
    return date.fromisoformat(context.partition_key)


def _champions(settings: Settings) -> dict:
    from ml.tracking import champion

    return {model: found for model in TRAINING_SETS if (found := champion(model, settings))}


def _models(settings: Settings, champions: dict) -> dict:
    from ml.tracking import load_by_alias

    return {model: load_by_alias(model, "champion", settings) for model in champions}


def _nothing_to_monitor(note: str, *checks: str) -> dg.MaterializeResult:
    return dg.MaterializeResult(
        metadata={"note": note},
        check_results=[dg.AssetCheckResult(check_name=check, passed=True, metadata={"note": note}) for check in checks],
    )


def _saved(settings: Settings, day: date, name: str, snapshot, summary: dict) -> dict:
    """Save the report's HTML and JSON, add it to the Evidently workspace; metadata linking to the
    report in the Evidently UI (`shoplens ui evidently`) and naming both files."""
    from monitoring.store import add_snapshot, save_report

    root = settings.paths.monitoring
    html, summary_path = save_report(root, str(day), name, snapshot, summary)
    link = settings.evidently_link + add_snapshot(root, str(day), name, snapshot, server=settings.evidently_url)
    return {f"{name}_url": dg.MetadataValue.url(link), f"{name}_html": dg.MetadataValue.path(str(html)),
            f"{name}_json": dg.MetadataValue.path(str(summary_path))}


def _timestamp(day: date) -> datetime:
    return datetime(day.year, day.month, day.day)


@dg.asset(
    partitions_def=EVENT_DAYS,
    deps=["user_features_daily", "feast_registry", *(f"{model}_model" for model in TRAINING_SETS)],
    group_name=MONITORING,
    kinds={"feast", "parquet"},
    check_specs=[dg.AssetCheckSpec("check_monitoring_inputs", asset="monitored_users", blocking=True,
                                   description="Fails (error) when the day's or a reference's rows are unusable: "
                                   "none, missing columns, all-null features, NaN scores.")],
)
def monitored_users(context: dg.AssetExecutionContext, mlflow: MlflowTracking, monitoring: MonitoringSettings,
                    shoplens: dg.ResourceParam[Settings]) -> dg.MaterializeResult:
    """The users active on the day with the features the champions read and their scores; and,
    once per champion version, the same rows over its last training days (its reference)."""
    from ml.feature_store import open_store
    from monitoring.champions import check_inputs
    from monitoring.samples import day_sample

    mlflow.setup(shoplens)
    champions = _champions(shoplens)
    if not champions:
        return _nothing_to_monitor("no champion model yet", "check_monitoring_inputs")
    day = _day(context)
    models = _models(shoplens, champions)
    store = open_store(shoplens)
    sample = day_sample(store, shoplens.paths.warehouse, [day], models)
    path = shoplens.paths.sample(day)
    path.unlink(missing_ok=True)
    if 0 < len(sample) < monitoring.min_day_rows:
        return _nothing_to_monitor(f"thin day: {len(sample)} active users, fewer than {monitoring.min_day_rows} "
                                   "to compare; skipped", "check_monitoring_inputs")
    path.parent.mkdir(parents=True, exist_ok=True)
    sample.to_parquet(path, index=False)
    inputs = check_inputs(store, shoplens.paths, champions, models, sample, day, monitoring.reference_days)
    problems = [problem for row in inputs for problem in row.problems]
    context.log.info(f"{day}: {len(sample)} active users scored by {', '.join(f'{m} v{c.version}' for m, c in champions.items())}")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(len(sample)),
            "champions": dg.MetadataValue.md(table(
                ["model", "champion", "trained through", "reference rows", "days since its data"],
                [(r.model, r.version, str(r.trained_through), r.reference_rows, r.days_since_its_data) for r in inputs])),
            "path": dg.MetadataValue.path(str(path)),
        },
        check_results=[dg.AssetCheckResult(
            check_name="check_monitoring_inputs", passed=not problems, severity=dg.AssetCheckSeverity.ERROR,
            metadata={"problems": dg.MetadataValue.md("\n".join(f"- {p}" for p in problems) or "none"),
                      "current_rows": len(sample)},
        )],
    )


@dg.asset(
    partitions_def=EVENT_DAYS,
    deps=[monitored_users],
    group_name=MONITORING,
    kinds={"evidently"},
    check_specs=[dg.AssetCheckSpec("check_feature_drift", asset="feature_drift_report",
                                   description="Warns when the share of drifted features reaches the policy's threshold.")],
)
def feature_drift_report(context: dg.AssetExecutionContext, monitoring: MonitoringSettings,
                         shoplens: dg.ResourceParam[Settings]) -> dg.MaterializeResult:
    """Each feature of the day's active users tested against the propensity champion's training window."""
    from monitoring.champions import served_features
    from monitoring.drift import distinct_features, drift
    from monitoring.inputs import not_applicable

    day = _day(context)
    champion = _champions(shoplens).get(PRIMARY)
    if champion is None or not shoplens.paths.sample(day).exists():
        return _nothing_to_monitor(f"no {PRIMARY} champion or no sample for {day}", "check_feature_drift")
    reference = pd.read_parquet(shoplens.paths.reference(PRIMARY, champion.version))
    current = pd.read_parquet(shoplens.paths.sample(day))
    served = served_features(reference)
    absent = not_applicable(current, reference, served)
    groups = distinct_features(reference, [f for f in served if f not in absent])
    features = list(groups)
    result = drift(current, reference, features,
                   timestamp=_timestamp(day), tags=["feature_drift"], p_value=monitoring.feature_p_value)
    columns = result.columns.sort_values("drifted", ascending=False, kind="stable")
    context.log.info(f"{day}: {len(result.drifted)}/{len(features)} features drifted ({result.share:.0%}): {result.drifted}")
    threshold = monitoring.max_drift_share
    return dg.MaterializeResult(
        metadata={
            "share_drifted": result.share,
            "drifted_features": dg.MetadataValue.int(len(result.drifted)),
            "features": dg.MetadataValue.md(table(["feature", "test", "score", "threshold", "drifted"],
                                                  columns[["column", "method", "score", "threshold", "drifted"]].itertuples(index=False))),
            "current_rows": result.current_rows,
            "reference_rows": result.reference_rows,
            "not_applicable_to_this_source": ", ".join(absent) or "none",
            "counted_once": dg.MetadataValue.md(table(["feature", "stands for its near-copies"],
                                                      [(f, ", ".join(copies)) for f, copies in groups.items() if copies])),
            "champion_version": champion.version,
            **_saved(shoplens, day, "feature_drift_report", result.snapshot, result.summary()),
        },
        check_results=[dg.AssetCheckResult(
            check_name="check_feature_drift", passed=result.share < threshold, severity=dg.AssetCheckSeverity.WARN,
            metadata={"observed": result.share, "threshold": threshold, "drifted": ", ".join(result.drifted) or "none"},
        )],
    )


@dg.asset(
    partitions_def=EVENT_DAYS,
    deps=[monitored_users],
    group_name=MONITORING,
    kinds={"evidently"},
    check_specs=[dg.AssetCheckSpec("check_prediction_drift", asset="prediction_drift_report",
                                   description="Warns when a champion's score distribution drifted.")],
)
def prediction_drift_report(context: dg.AssetExecutionContext, monitoring: MonitoringSettings,
                            shoplens: dg.ResourceParam[Settings]) -> dg.MaterializeResult:
    """Each champion's scores of the day's active users against its scores over its training window."""
    from monitoring.champions import score_drift
    from monitoring.store import save_summary

    day = _day(context)
    champions = _champions(shoplens)
    if not champions or not shoplens.paths.sample(day).exists():
        return _nothing_to_monitor(f"no champion or no sample for {day}", "check_prediction_drift")
    sample = pd.read_parquet(shoplens.paths.sample(day))
    scores = score_drift(shoplens.paths, champions, sample, _timestamp(day), monitoring.score_p_value)
    links = {}
    for score in scores:
        links |= _saved(shoplens, day, f"prediction_drift_{score.model}", score.result.snapshot, score.result.summary())
    drifted = [score.model for score in scores if score.drifted]
    save_summary(shoplens.paths.monitoring, str(day), "prediction_drift_report",
                 {"drifted_scores": drifted, "models": {score.model: score.summary() for score in scores}})
    context.log.info(f"{day}: drifted champion scores: {drifted or 'none'}")
    return dg.MaterializeResult(
        metadata={
            "drifted_scores": ", ".join(drifted) or "none",
            "scores": dg.MetadataValue.md(table(
                ["model", "champion", "test", "score", "threshold", "drifted", "mean today"],
                [(s.model, s.version, s.test["method"], s.test["score"], s.test["threshold"], s.drifted, s.current_mean)
                 for s in scores])),
            **links,
        },
        check_results=[dg.AssetCheckResult(
            check_name="check_prediction_drift", passed=not drifted, severity=dg.AssetCheckSeverity.WARN,
            metadata={"drifted": ", ".join(drifted) or "none"},
        )],
    )


@dg.asset(
    partitions_def=EVENT_DAYS,
    deps=[monitored_users, "labels"],
    group_name=MONITORING,
    kinds={"evidently"},
    check_specs=[dg.AssetCheckSpec("check_model_performance", asset="model_performance_report",
                                   description="Warns when a champion's realised ROC AUC is further below validation "
                                   "than the policy allows.")],
)
def model_performance_report(context: dg.AssetExecutionContext, mlflow: MlflowTracking, monitoring: MonitoringSettings,
                             shoplens: dg.ResourceParam[Settings]) -> dg.MaterializeResult:
    """Each champion scored on the cutoffs after its training data whose labels have matured by the
    day (7 days for propensity, 30 for churn): realised ROC AUC, PR AUC, calibration vs validation."""
    from ml.feature_store import open_store
    from monitoring.champions import realised_performance
    from monitoring.store import save_summary

    mlflow.setup(shoplens)
    day = _day(context)
    champions = _champions(shoplens)
    if not champions:
        return _nothing_to_monitor("no champion model yet", "check_model_performance")
    rows = realised_performance(open_store(shoplens), shoplens.paths, champions, _models(shoplens, champions), day,
                                _timestamp(day))
    matured = [row for row in rows if row.result]
    links = {}
    for row in matured:
        links |= _saved(shoplens, day, f"model_performance_{row.model}", row.result.snapshot, row.result.summary())
    save_summary(shoplens.paths.monitoring, str(day), "model_performance_report",
                 {"models": {row.model: row.result.summary() for row in matured}})
    worse = [row.model for row in rows if row.auc_drop is not None and row.auc_drop > monitoring.max_auc_drop]
    realised = {row.model: row.result.realised for row in matured}
    context.log.info(f"{day}: realised performance {realised or 'not known yet (no matured labels after training)'}")
    return dg.MaterializeResult(
        metadata={
            "performance": dg.MetadataValue.md(table(
                ["model", "champion", "matured rows", "realised ROC AUC", "validation ROC AUC", "drop", "calibration error"],
                [(r.model, r.version, r.matured_rows, r.result and r.result.realised["roc_auc"], r.validation_roc_auc,
                  r.auc_drop, r.result and r.result.realised["calibration_error"]) for r in rows])),
            **{f"realised_roc_auc_{model}": figures["roc_auc"] for model, figures in realised.items()
               if figures["roc_auc"] is not None},
            **links,
        },
        check_results=[dg.AssetCheckResult(
            check_name="check_model_performance", passed=not worse, severity=dg.AssetCheckSeverity.WARN,
            metadata={"worse_than_allowed": ", ".join(worse) or "none", "max_auc_drop": monitoring.max_auc_drop},
        )],
    )


@dg.asset(
    partitions_def=EVENT_DAYS,
    deps=[feature_drift_report, prediction_drift_report, model_performance_report],
    group_name=MONITORING,
    kinds={"python"},
)
def retrain_decision(context: dg.AssetExecutionContext, monitoring: MonitoringSettings,
                     shoplens: dg.ResourceParam[Settings]) -> dg.MaterializeResult:
    """The retrain policy applied to the day's reports: retrain or not, and every reason.
    `retrain_sensor` reads it and launches `retrain_job` once per drift episode."""
    from monitoring.policy import Evidence, decide
    from monitoring.store import load_summary, save_summary

    day = _day(context)
    root = shoplens.paths.monitoring
    features = load_summary(root, str(day), "feature_drift_report") or {}
    predictions = load_summary(root, str(day), "prediction_drift_report") or {}
    performance = load_summary(root, str(day), "model_performance_report") or {}
    evidence = Evidence(
        day=str(day),
        drift_share=features.get("share_drifted"),
        drifted_scores=predictions.get("drifted_scores", []),
        auc_drops={model: s["auc_drop"] for model, s in performance.get("models", {}).items()},
        champion_age_days={model: (day - c.trained_through).days for model, c in _champions(shoplens).items()},
    )
    decision = decide(evidence, monitoring.policy())
    path = save_summary(root, str(day), "retrain_decision", decision.to_dict())
    context.log.info(f"{day}: {'RETRAIN' if decision.retrain else 'no retrain'}: {'; '.join(decision.reasons) or 'every rule passed'}")
    return dg.MaterializeResult(
        metadata={
            "retrain": decision.retrain,
            "reasons": dg.MetadataValue.md("\n".join(f"- {r}" for r in decision.reasons) or "every rule passed"),
            "policy": dg.MetadataValue.json(asdict(monitoring.policy())),
            "path": dg.MetadataValue.path(str(path)),
        }
    )
