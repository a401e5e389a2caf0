"""Training: models from the Feast training sets, tracked and registered in MLflow, champions scored.

Each model asset trains a challenger and logs it; its blocking promotion check compares it
with the champion on the same newest holdout and moves the `champion` alias only when it
is better. Scoring assets always use whatever is champion.
"""

import dagster as dg
import pandas as pd

from ml.catalogue import TRAINING_SETS
from orchestration.ingest.resources import ShopSource
from orchestration.markdown import image, table
from orchestration.tags import as_of
from orchestration.training.config import DemandConfig, XGBoostConfig
from orchestration.training.resources import MlflowTracking
from shoplens.settings import Settings

TRAINING = "training"
HEADLINE = ("test_roc_auc", "test_pr_auc", "test_brier", "test_top_decile_lift", "oracle_roc_auc", "oracle_auc_ratio")


def mlflow_links(settings: Settings, model: str, version) -> dict:
    """Links to the run and the registered version in the MLflow UI (`shoplens ui mlflow`)."""
    from ml.tracking import client

    experiment = client(settings).get_run(version.run_id).info.experiment_id
    ui = settings.mlflow_ui.rstrip("/")
    return {
        "mlflow_run": dg.MetadataValue.url(f"{ui}/#/experiments/{experiment}/runs/{version.run_id}"),
        "mlflow_model_version": dg.MetadataValue.url(f"{ui}/#/models/{model}/versions/{version.version}"),
    }


def version_metadata(settings: Settings, model: str, version) -> dict:
    """A registered version's run id, number and URI, with links to both in the MLflow UI."""
    return {"mlflow_run_id": version.run_id, "model_version": version.version, "model_uri": version.model_uri,
            **mlflow_links(settings, model, version)}


def _metadata(metrics: dict, plots: dict) -> dict:
    """Headline metrics, the comparison with baselines and oracle, and the plots."""
    baselines = sorted(k for k in metrics if k.startswith("baseline_") and k.endswith("_test_roc_auc"))
    rows = [("xgboost", metrics.get("test_roc_auc"), metrics.get("test_pr_auc"))]
    rows += [(k.removeprefix("baseline_").removesuffix("_test_roc_auc"), metrics[k], metrics.get(k.replace("roc_auc", "pr_auc")))
             for k in baselines]
    if "oracle_roc_auc" in metrics:
        rows.append(("oracle (true probabilities)", metrics["oracle_roc_auc"], metrics.get("oracle_pr_auc")))
    return {
        **{k: float(metrics[k]) for k in HEADLINE if metrics.get(k) is not None},
        "model_comparison": dg.MetadataValue.md(table(["model", "test ROC AUC", "test PR AUC"], rows)),
        **{f"plot_{name}": dg.MetadataValue.md(image(path, name.replace("_", " "))) for name, path in plots.items()},
    }


def not_trained(context: dg.AssetExecutionContext, reason: str) -> dg.MaterializeResult:
    """A model asset's materialization that says it trained nothing, and why (the CLI lists it under "not done")."""
    context.log.warning(f"not trained: {reason}")
    return dg.MaterializeResult(metadata={"trained": False, "reason": reason})


def lineage(context: dg.AssetExecutionContext, settings: Settings, times: pd.Series, feature_service: str) -> dict:
    """MLflow tags that tie a run to its Dagster run, data window, features and code (the data is the run's input)."""
    from ml.scoring import latest_feature_day
    from ml.tracking import git_commit

    return {
        "dagster_run_id": context.run_id,
        "data_window": f"{times.min():%Y-%m-%d}..{times.max():%Y-%m-%d}",
        "trained_through": str(as_of(context) or latest_feature_day(settings.paths.warehouse)),
        "feature_service": feature_service,
        "git_commit": git_commit(),
    }


def classifier_asset(model: str) -> dg.AssetsDefinition:
    spec = TRAINING_SETS[model]

    @dg.asset(
        name=f"{model}_model",
        deps=[f"training_set_{model}"],
        group_name=TRAINING,
        kinds={"xgboost", "mlflow"},
        description=f"XGBoost challenger for `{spec.label}` beside its baselines, logged and registered as `{model}`.",
    )
    def _asset(context: dg.AssetExecutionContext, config: XGBoostConfig, mlflow: MlflowTracking, source: ShopSource,
               shoplens: dg.ResourceParam[Settings]) -> dg.MaterializeResult:
        from ml.classifiers import predict_proba, train_classifier
        from ml.datasets import TooLittleData, without_small_cutoffs
        from ml.evaluate import save_plots
        from ml.oracle import oracle_metrics
        from ml.tracking import log_training_run

        mlflow.setup(shoplens)
        frame, small = without_small_cutoffs(pd.read_parquet(shoplens.paths.training_set(model)),
                                             mlflow.min_cutoff_users)
        left_out = ", ".join(f"{cutoff} ({n} users)" for cutoff, n in small.items()) or "none"
        try:
            result = train_classifier(frame, spec.label, seed=config.seed, params=config.overrides())
        except TooLittleData as reason:
            return not_trained(context, f"{reason} (cutoffs under {mlflow.min_cutoff_users} users left out: {left_out})")
        split = result.split
        scores = predict_proba(result.model, split.test, result.features)
        metrics = {**result.metrics, **oracle_metrics(split.test, spec.label, source.ground_truth(), scores)}
        plots = save_plots(split.y_test, scores, result.model, result.features, shoplens.paths.plots(model))
        times = frame["event_timestamp"]
        dropped = ", ".join(result.dropped_features) or "none"
        version = log_training_run(
            model,
            model=result.model,
            params={**result.params, "dropped_features": dropped, "small_cutoffs_left_out": left_out},
            metrics=metrics,
            plots=plots,
            input_example=split.X_test.head(5),
            training_data=frame,
            dataset_name=f"training_set_{model}",
            label=spec.label,
            tags=lineage(context, shoplens, times, spec.service),
            settings=shoplens,
        )
        context.log.info(f"{model} v{version.version}: test ROC AUC {metrics['test_roc_auc']:.3f}")
        return dg.MaterializeResult(metadata={
            **_metadata(metrics, plots),
            **version_metadata(shoplens, model, version),
            "dropped_features": dg.MetadataValue.text(dropped),
            "small_cutoffs_left_out": dg.MetadataValue.text(left_out),
        })

    return _asset


classifier_models = [classifier_asset(model) for model in TRAINING_SETS]


@dg.asset(
    deps=[f"{model}_model" for model in TRAINING_SETS] + ["feast_registry"],
    group_name=TRAINING,
    kinds={"duckdb"},
)
def user_scores(context: dg.AssetExecutionContext, mlflow: MlflowTracking,
                shoplens: dg.ResourceParam[Settings]) -> dg.MaterializeResult:
    """Every active user scored by the champions: purchase propensity, churn risk, propensity decile."""
    from ml.feature_store import open_store
    from ml.scoring import active_users, score_users, write_scores
    from ml.tracking import load_by_alias, version_by_alias

    mlflow.setup(shoplens)
    warehouse = shoplens.paths.warehouse
    versions = {m: version_by_alias(m, "champion", shoplens) for m in TRAINING_SETS}
    missing = [m for m, version in versions.items() if version is None]
    if missing:
        context.log.warning(f"no champion for {missing}: nothing scored")
        return dg.MaterializeResult(metadata={"dagster/row_count": 0, "note": f"no champion yet for {', '.join(missing)}"})
    champions = {m: load_by_alias(m, "champion", shoplens) for m in TRAINING_SETS}
    day = as_of(context)
    scored = score_users(open_store(shoplens), active_users(warehouse, [day] if day else None), champions)
    scores = scored[["user_id", "event_timestamp"]].rename(columns={"event_timestamp": "scored_as_of"})
    for model, spec in TRAINING_SETS.items():
        scores[spec.score_column] = scored[spec.score_column]
        scores[f"{model}_version"] = versions[model]
    write_scores(warehouse, scores)
    context.log.info(f"Scored {len(scores)} active users with champions {versions}")
    deciles = scores.assign(decile=pd.qcut(scores["purchase_propensity"].rank(method="first"), 10, labels=False) + 1)
    by_decile = deciles.groupby("decile")[["purchase_propensity", "churn_risk"]].mean().reset_index()
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(len(scores)),
            "champion_versions": str(versions),
            "mean_purchase_propensity": float(scores["purchase_propensity"].mean()),
            "mean_churn_risk": float(scores["churn_risk"].mean()),
            "by_decile": dg.MetadataValue.md(table(["decile", "mean propensity", "mean churn risk"], by_decile.itertuples(index=False))),
        }
    )


@dg.asset(deps=["product_demand_daily"], group_name=TRAINING, kinds={"xgboost", "mlflow"})
def demand_forecast_model(context: dg.AssetExecutionContext, config: DemandConfig, mlflow: MlflowTracking,
                          shoplens: dg.ResourceParam[Settings]) -> dg.MaterializeResult:
    """XGBoost units per product per day, 1-7 days ahead, against a seasonal-naive baseline."""
    from ml.demand import FEATURES, MIN_HISTORY_DAYS, train_demand, with_features
    from ml.demand_data import load_demand
    from ml.tracking import log_training_run

    mlflow.setup(shoplens)
    demand = load_demand(shoplens.paths.warehouse, as_of(context))
    days = demand["demand_date"].nunique()
    if days < MIN_HISTORY_DAYS + 14:
        return not_trained(context, f"{days} days of demand; the model needs {MIN_HISTORY_DAYS + 14}")
    result = train_demand(demand, seed=config.seed, params=config.overrides())
    version = log_training_run(
        "demand_forecast",
        model=result.model,
        params=result.params,
        metrics=result.metrics,
        plots={},
        input_example=with_features(demand, result.horizon)[FEATURES].dropna().head(5),
        training_data=demand,
        dataset_name="product_demand_daily",
        label="units",
        tags={**lineage(context, shoplens, pd.to_datetime(demand["demand_date"]), "product_demand_daily"),
              "metric_notes": "; ".join(result.notes) or None},
        settings=shoplens,
    )
    metrics = result.metrics
    by_horizon = [(h, metrics.get(f"test_wape_h{h}", "no units sold"), metrics[f"test_mae_h{h}"])
                  for h in range(1, result.horizon + 1)]
    return dg.MaterializeResult(
        metadata={
            **{name: metrics[name] for name in ("test_wape", "baseline_seasonal_naive_test_wape") if name in metrics},
            "metric_notes": "; ".join(result.notes) or "none",
            "by_horizon": dg.MetadataValue.md(table(["horizon (days)", "WAPE", "MAE"], by_horizon)),
            **version_metadata(shoplens, "demand_forecast", version),
        }
    )


@dg.asset(deps=[demand_forecast_model], group_name=TRAINING, kinds={"duckdb"})
def demand_forecasts(context: dg.AssetExecutionContext, mlflow: MlflowTracking,
                     shoplens: dg.ResourceParam[Settings]) -> dg.MaterializeResult:
    """Units per product for the 7 days after the data, from the champion demand model."""
    from ml.demand import forecast_demand
    from ml.demand_data import load_demand, write_forecasts
    from ml.tracking import load_by_alias, version_by_alias

    mlflow.setup(shoplens)
    version = version_by_alias("demand_forecast", "champion", shoplens)
    if version is None:
        return dg.MaterializeResult(metadata={"dagster/row_count": 0, "note": "no champion demand model yet"})
    warehouse = shoplens.paths.warehouse
    forecasts = forecast_demand(load_by_alias("demand_forecast", "champion", shoplens), load_demand(warehouse, as_of(context)))
    write_forecasts(warehouse, forecasts.assign(model_version=version))
    totals = forecasts.groupby("forecast_date")["units_forecast"].sum().reset_index()
    return dg.MaterializeResult(
        metadata={
            "dagster/row_count": dg.MetadataValue.int(len(forecasts)),
            "champion_version": version,
            "units_by_day": dg.MetadataValue.md(table(["day", "units (all products)"], totals.itertuples(index=False))),
        }
    )
