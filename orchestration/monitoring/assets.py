"""Monitoring: each event day, the champions' inputs and scores against their training window,
their realised performance once labels mature, and the retrain decision that follows.

Every report is an Evidently HTML page and a JSON summary under `<data dir>/monitoring/reports/<day>/`
and a snapshot in the Evidently workspace `<data dir>/monitoring/workspace` (`evidently ui`).
"""

from dataclasses import asdict
from datetime import date, datetime

import dagster as dg
import pandas as pd

from ml.feature_store import TRAINING_SETS
from orchestration.features.resources import FeastStore
from orchestration.markdown import table
from orchestration.monitoring.resources import MonitoringSettings
from orchestration.partitions import EVENT_DAYS
from orchestration.training.resources import MlflowTracking
from shoplens.config import data_dir, warehouse_path

MONITORING = "monitoring"
PRIMARY = "purchase_propensity"  # its service holds every user feature (churn's is a subset): feature drift uses it
SCORES = [spec.score_column for spec in TRAINING_SETS.values()]
ID_COLUMNS = ["user_id", "event_timestamp"]


def _day(context: dg.AssetExecutionContext) -> date:
    return date.fromisoformat(context.partition_key)


def _champions() -> dict:
    from ml.tracking import champion

    return {model: found for model in TRAINING_SETS if (found := champion(model, data_dir()))}


def _sample_path(settings: MonitoringSettings, day: date):
    return settings.root / "samples" / f"{day}.parquet"


def _reference(settings: MonitoringSettings, model: str, version: int) -> pd.DataFrame:
    return pd.read_parquet(settings.root / "reference" / f"{model}-v{version}.parquet")


def _features(reference: pd.DataFrame) -> list[str]:
    return [c for c in reference.columns if c not in ID_COLUMNS + SCORES]


def _nothing_to_monitor(note: str, *checks: str) -> dg.MaterializeResult:
    return dg.MaterializeResult(
        metadata={"note": note},
        check_results=[dg.AssetCheckResult(check_name=check, passed=True, metadata={"note": note}) for check in checks],
    )


def _saved(settings: MonitoringSettings, day: date, name: str, snapshot, summary: dict) -> dict:
    """Save the report's HTML and JSON, add it to the Evidently workspace; metadata pointing at both."""
    from monitoring.store import add_snapshot, save_report

    html, summary_path = save_report(settings.root, str(day), name, snapshot, summary)
    add_snapshot(settings.root, str(day), name, snapshot)
    return {f"{name}_html": dg.MetadataValue.url(html.as_uri()), f"{name}_json": dg.MetadataValue.path(str(summary_path))}


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
def monitored_users(context: dg.AssetExecutionContext, mlflow: MlflowTracking, feast: FeastStore,
                    settings: MonitoringSettings) -> dg.MaterializeResult:
    """The users active on the day with the features the champions read and their scores; and,
    once per champion version, the same rows over its last training days (its reference)."""
    from ml.tracking import load_by_alias
    from monitoring.inputs import input_problems
    from monitoring.samples import day_sample, reference_sample

    mlflow.setup()
    champions = _champions()
    if not champions:
        return _nothing_to_monitor("no champion model yet", "check_monitoring_inputs")
    day = _day(context)
    models = {model: load_by_alias(model, "champion", data_dir()) for model in champions}
    store = feast.open()
    sample = day_sample(store, warehouse_path(), [day], models)
    path = _sample_path(settings, day)
    path.unlink(missing_ok=True)
    if 0 < len(sample) < settings.min_day_rows:
        return _nothing_to_monitor(f"thin day: {len(sample)} active users, fewer than {settings.min_day_rows} "
                                   "to compare; skipped", "check_monitoring_inputs")
    path.parent.mkdir(parents=True, exist_ok=True)
    sample.to_parquet(path, index=False)
    problems, rows = [], []
    for model, found in champions.items():
        reference = reference_sample(store, warehouse_path(), settings.root, model, found.version, found.trained_through,
                                     models[model], settings.reference_days)
        score = TRAINING_SETS[model].score_column
        problems += [f"{model}: {p}" for p in input_problems(sample, reference, _features(reference), [score])]
        rows.append((model, found.version, str(found.trained_through), len(reference), (day - found.trained_through).days))
    context.log.info(f"{day}: {len(sample)} active users scored by {', '.join(f'{m} v{c.version}' for m, c in champions.items())}")
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(len(sample)),
            "champions": dg.MetadataValue.md(table(
                ["model", "champion", "trained through", "reference rows", "days since its data"], rows)),
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
def feature_drift_report(context: dg.AssetExecutionContext, settings: MonitoringSettings) -> dg.MaterializeResult:
    """Each feature of the day's active users tested against the propensity champion's training window."""
    from monitoring.drift import distinct_features, drift
    from monitoring.inputs import not_applicable

    day = _day(context)
    champion = _champions().get(PRIMARY)
    if champion is None or not _sample_path(settings, day).exists():
        return _nothing_to_monitor(f"no {PRIMARY} champion or no sample for {day}", "check_feature_drift")
    reference = _reference(settings, PRIMARY, champion.version)
    current = pd.read_parquet(_sample_path(settings, day))
    served = _features(reference)
    absent = not_applicable(current, reference, served)
    groups = distinct_features(reference, [f for f in served if f not in absent])
    features = list(groups)
    result = drift(current, reference, features,
                   timestamp=_timestamp(day), tags=["feature_drift"], p_value=settings.feature_p_value)
    columns = result.columns.sort_values("drifted", ascending=False, kind="stable")
    context.log.info(f"{day}: {len(result.drifted)}/{len(features)} features drifted ({result.share:.0%}): {result.drifted}")
    threshold = settings.max_drift_share
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
            **_saved(settings, day, "feature_drift_report", result.snapshot, result.summary()),
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
def prediction_drift_report(context: dg.AssetExecutionContext, settings: MonitoringSettings) -> dg.MaterializeResult:
    """Each champion's scores of the day's active users against its scores over its training window."""
    from monitoring.drift import drift
    from monitoring.store import save_summary

    day = _day(context)
    champions = _champions()
    if not champions or not _sample_path(settings, day).exists():
        return _nothing_to_monitor(f"no champion or no sample for {day}", "check_prediction_drift")
    sample = pd.read_parquet(_sample_path(settings, day))
    rows, links, summary = [], {}, {}
    for model, champion in champions.items():
        score = TRAINING_SETS[model].score_column
        result = drift(sample, _reference(settings, model, champion.version), [score],
                       timestamp=_timestamp(day), tags=["prediction_drift", model], p_value=settings.score_p_value)
        test = result.columns.iloc[0]
        rows.append((model, champion.version, test["method"], test["score"], test["threshold"], bool(test["drifted"]),
                     sample[score].mean()))
        summary[model] = {**result.summary(), "current_mean": float(sample[score].mean())}
        links |= _saved(settings, day, f"prediction_drift_{model}", result.snapshot, result.summary())
    drifted = [row[0] for row in rows if row[5]]
    save_summary(settings.root, str(day), "prediction_drift_report", {"drifted_scores": drifted, "models": summary})
    context.log.info(f"{day}: drifted champion scores: {drifted or 'none'}")
    return dg.MaterializeResult(
        metadata={
            "drifted_scores": ", ".join(drifted) or "none",
            "scores": dg.MetadataValue.md(table(["model", "champion", "test", "score", "threshold", "drifted", "mean today"],
                                                rows)),
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
                                   description="Warns when a champion's realised ROC AUC is further below validation than the policy allows.")],
)
def model_performance_report(context: dg.AssetExecutionContext, mlflow: MlflowTracking, feast: FeastStore,
                             settings: MonitoringSettings) -> dg.MaterializeResult:
    """Each champion scored on the cutoffs after its training data whose labels have matured by the
    day (7 days for propensity, 30 for churn): realised ROC AUC, PR AUC, calibration vs validation."""
    from ml.feature_store import labelled_entities
    from ml.scoring import score_users
    from ml.tracking import load_by_alias
    from monitoring.performance import performance
    from monitoring.store import save_summary

    mlflow.setup()
    day = _day(context)
    champions = _champions()
    if not champions:
        return _nothing_to_monitor("no champion model yet", "check_model_performance")
    store = feast.open()
    rows, links, summary = [], {}, {}
    for model, champion in champions.items():
        spec = TRAINING_SETS[model]
        labelled = labelled_entities(warehouse_path(), model, as_of=day)
        labelled = labelled[labelled["event_timestamp"].dt.date > champion.trained_through]
        if labelled.empty:
            rows.append((model, champion.version, 0, None, champion.metrics.get("test_roc_auc"), None, None))
            continue
        scored = score_users(store, labelled[ID_COLUMNS], {model: load_by_alias(model, "champion", data_dir())})
        frame = pd.DataFrame({"label": labelled[spec.label].to_numpy(), "score": scored[spec.score_column].to_numpy(),
                              "cutoff": labelled["event_timestamp"].to_numpy()})
        validation = {name: champion.metrics.get(f"test_{name}") for name in ("roc_auc", "pr_auc", "calibration_error")}
        result = performance(frame, validation, timestamp=_timestamp(day), tags=["model_performance", model])
        summary[model] = result.summary()
        links |= _saved(settings, day, f"model_performance_{model}", result.snapshot, result.summary())
        realised = result.realised
        rows.append((model, champion.version, realised["rows"], realised["roc_auc"], validation["roc_auc"],
                     result.auc_drop, realised["calibration_error"]))
    save_summary(settings.root, str(day), "model_performance_report", {"models": summary})
    worse = [row[0] for row in rows if row[5] is not None and row[5] > settings.max_auc_drop]
    context.log.info(f"{day}: realised performance {summary or 'not known yet (no matured labels after training)'}")
    return dg.MaterializeResult(
        metadata={
            "performance": dg.MetadataValue.md(table(
                ["model", "champion", "matured rows", "realised ROC AUC", "validation ROC AUC", "drop", "calibration error"], rows)),
            **{f"realised_roc_auc_{model}": s["realised"]["roc_auc"] for model, s in summary.items() if s["realised"]["roc_auc"] is not None},
            **links,
        },
        check_results=[dg.AssetCheckResult(
            check_name="check_model_performance", passed=not worse, severity=dg.AssetCheckSeverity.WARN,
            metadata={"worse_than_allowed": ", ".join(worse) or "none", "max_auc_drop": settings.max_auc_drop},
        )],
    )


@dg.asset(
    partitions_def=EVENT_DAYS,
    deps=[feature_drift_report, prediction_drift_report, model_performance_report],
    group_name=MONITORING,
    kinds={"python"},
)
def retrain_decision(context: dg.AssetExecutionContext, settings: MonitoringSettings) -> dg.MaterializeResult:
    """The retrain policy applied to the day's reports: retrain or not, and every reason.
    `retrain_sensor` reads it and launches `retrain_job` once per drift episode."""
    from monitoring.policy import Evidence, decide
    from monitoring.store import load_summary, save_summary

    day = _day(context)
    features = load_summary(settings.root, str(day), "feature_drift_report") or {}
    predictions = load_summary(settings.root, str(day), "prediction_drift_report") or {}
    performance = load_summary(settings.root, str(day), "model_performance_report") or {}
    evidence = Evidence(
        day=str(day),
        drift_share=features.get("share_drifted"),
        drifted_scores=predictions.get("drifted_scores", []),
        auc_drops={model: s["auc_drop"] for model, s in performance.get("models", {}).items()},
        champion_age_days={model: (day - c.trained_through).days for model, c in _champions().items()},
    )
    decision = decide(evidence, settings.policy())
    path = save_summary(settings.root, str(day), "retrain_decision", decision.to_dict())
    context.log.info(f"{day}: {'RETRAIN' if decision.retrain else 'no retrain'}: {'; '.join(decision.reasons) or 'every rule passed'}")
    return dg.MaterializeResult(
        metadata={
            "retrain": decision.retrain,
            "reasons": dg.MetadataValue.md("\n".join(f"- {r}" for r in decision.reasons) or "every rule passed"),
            "policy": dg.MetadataValue.json(asdict(settings.policy())),
            "path": dg.MetadataValue.path(str(path)),
        }
    )
