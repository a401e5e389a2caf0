"""Suspicious sessions: traffic that is not a real customer (bots, card testing), scored and kept out of the models.

`session_risk_model` trains three detectors on the same session features: a rule baseline with documented
thresholds, IsolationForest (unsupervised: real shops have no labels), and, where the source labels bots,
XGBoost trained on earlier days and judged on later ones. The chosen one is registered as `session_risk`
(runs in the `suspicious_sessions` experiment) and becomes current: without labels there is nothing to gate
on. `suspicious_sessions` scores every session with it; the flagged ones (unless switched off) reach dbt's
`excluded_sessions`, which the label populations, the recommender and the CLV model leave out.
"""

import dagster as dg
import pandas as pd

from orchestration.markdown import image, table
from orchestration.risk.config import ExclusionConfig, RiskConfig
from orchestration.tags import as_of
from orchestration.training.assets import lineage, not_trained, version_metadata
from orchestration.training.resources import MlflowTracking
from shoplens.settings import Settings

RISK = "risk"
RISK_MODEL, RISK_EXPERIMENT = "session_risk", "suspicious_sessions"
# as dbt's on-run-start hook declares the table its `risk` source reads
SCORED_COLUMNS = {"session_key": "varchar", "user_id": "varchar", "session_date": "date", "score": "double",
                  "detector": "varchar", "reason": "varchar", "flagged": "boolean", "excluded": "boolean"}


@dg.asset(deps=["fct_sessions", "int_events_sessionized"], group_name=RISK, kinds={"xgboost", "scikitlearn", "mlflow"})
def session_risk_model(context: dg.AssetExecutionContext, config: RiskConfig, mlflow: MlflowTracking,
                       shoplens: dg.ResourceParam[Settings]) -> dg.MaterializeResult:
    """Rules, IsolationForest and (where bots are labelled) XGBoost on the same sessions, judged on later days
    by precision@k, recall@k and PR AUC against the labels; the chosen detector registered as `session_risk`."""
    from ml.risk.features import load_sessions
    from ml.risk.plots import save_pr_curves
    from ml.risk.pyfunc import SessionRiskPyfunc
    from ml.risk.train import RiskParams, TooFewSessions, train_detectors
    from ml.tracking import client, log_training_run

    mlflow.setup(shoplens)
    params = RiskParams(**config.model_dump())
    sessions = load_sessions(shoplens.paths.warehouse, as_of(context))
    try:
        training = train_detectors(sessions, params)
    except TooFewSessions as reason:
        return not_trained(context, str(reason))
    plots = {} if training.test_scores.empty else {
        "precision_recall": save_pr_curves(training.test_scores, shoplens.paths.plots(RISK_MODEL) / "precision_recall.png")}
    features = sessions[training.detector.features]
    version = log_training_run(
        RISK_MODEL, model=SessionRiskPyfunc(training.detector, params.flag_score),
        params={**{f: getattr(params, f) for f in params.__dataclass_fields__}, "detector": training.name,
                "split_date": str(training.split_date), "notes": "; ".join(training.notes) or "none"},
        metrics={**training.metrics, **training.counts}, plots=plots, input_example=features.head(5), training_data=features,
        dataset_name="fct_sessions", label=None, experiment_name=RISK_EXPERIMENT,
        tags=lineage(context, shoplens, sessions["session_start"], "fct_sessions"), settings=shoplens,
    )
    client(shoplens).set_registered_model_alias(RISK_MODEL, "champion", str(version.version))
    metrics = training.metrics
    context.log.info(f"session_risk v{version.version}: {training.name}"
                     + (f", test PR AUC {metrics['test_pr_auc']:.3f}" if "test_pr_auc" in metrics else f" ({'; '.join(training.notes)})"))
    return dg.MaterializeResult(metadata={
        "trained": True,
        "detector": training.name,
        **{k: float(metrics[k]) for k in ("test_pr_auc", "test_precision_at_k", "test_recall_at_k") if k in metrics},
        **({"k": int(training.comparison["k"].iloc[0])} if metrics else {}),
        "flagged_share": float(training.counts["flagged_share"]),
        "detector_comparison": dg.MetadataValue.md(table(list(training.comparison.columns),
                                                         training.comparison.itertuples(index=False))),
        **{f"plot_{name}": dg.MetadataValue.md(image(path, name.replace("_", " "))) for name, path in plots.items()},
        "split_date": str(training.split_date),
        "notes": "; ".join(training.notes) or "none",
        **version_metadata(shoplens, RISK_MODEL, version),
    })


@dg.asset(deps=[session_risk_model, "fct_sessions", "int_events_sessionized"], group_name=RISK, kinds={"duckdb"})
def suspicious_sessions(context: dg.AssetExecutionContext, config: ExclusionConfig, mlflow: MlflowTracking,
                        shoplens: dg.ResourceParam[Settings]) -> dg.MaterializeResult:
    """Every session scored by the current detector (session, user, score, detector, reason, flagged, excluded);
    the excluded ones leave the labels, the recommender's interactions and the CLV purchase days (excluded_sessions)."""
    from ml.risk.features import load_sessions
    from ml.risk.train import RiskParams, flag_sessions
    from ml.tracking import load_by_alias, version_by_alias
    from ml.warehouse import replace_typed_table

    mlflow.setup(shoplens)
    warehouse = shoplens.paths.warehouse
    version = version_by_alias(RISK_MODEL, "champion", shoplens)
    if version is None:
        replace_typed_table(warehouse, "suspicious_sessions", pd.DataFrame(), SCORED_COLUMNS)
        return dg.MaterializeResult(metadata={"dagster/row_count": 0, "note": "no session risk detector yet: see session_risk_model"})
    champion = load_by_alias(RISK_MODEL, "champion", shoplens)
    detector, flag_score = champion.detector, config.flag_score or champion.flag_score
    sessions = load_sessions(warehouse, as_of(context))
    scored = flag_sessions(detector, sessions, RiskParams(flag_score=flag_score))
    scored["excluded"] = scored["flagged"] & config.exclude_flagged
    replace_typed_table(warehouse, "suspicious_sessions", scored, SCORED_COLUMNS)
    flagged = scored[scored["flagged"]]
    by_day = (scored.groupby("session_date").agg(sessions=("session_key", "size"), flagged=("flagged", "sum"))
              .assign(flagged_share=lambda d: d["flagged"] / d["sessions"]).reset_index().tail(14))
    share = float(scored["flagged"].mean()) if len(scored) else 0.0
    context.log.info(f"{len(flagged)} of {len(scored)} sessions flagged ({share:.1%}) by {detector.name} v{version}; "
                     + ("excluded from the models" if config.exclude_flagged else "exclusion is off"))
    top = flagged.sort_values("score", ascending=False).head(10)
    return dg.MaterializeResult(metadata={
        "dagster/row_count": dg.MetadataValue.int(len(scored)),
        "detector": detector.name, "detector_version": version, "flag_score": float(flag_score),
        "flagged_sessions": int(len(flagged)), "flagged_share": share,
        "flagged_users": int(flagged["user_id"].nunique()),
        "excluded_sessions": int(scored["excluded"].sum()), "exclusion": "on" if config.exclude_flagged else "off",
        "newest_day_flagged_share": float(by_day["flagged_share"].iloc[-1]) if len(by_day) else 0.0,
        "flagged_by_day": dg.MetadataValue.md(table(["day", "sessions", "flagged", "share"], by_day.itertuples(index=False))),
        "most_suspicious": dg.MetadataValue.md(table(["session", "user", "score", "why"],
                                                     top[["session_key", "user_id", "score", "reason"]].itertuples(index=False))),
    })
