"""Customer profiles: named K-means segments that keep their ids across refits, how users move
between them, what each customer is worth (BG/NBD + Gamma-Gamma), and the lists a marketer acts on.

`user_segments` fits the segments on the newest feature day, matches them to the last fit's and
registers the fit as the `segments` model (each fit becomes current: there is nothing to gate, only
to match). `clv_model` fits CLV on a calibration period, judges it on the holdout after it against a
same-rate baseline (and the simulator's truth) and registers the `clv` challenger, which its
promotion check gates on holdout MAE; `customer_value` applies the champion to every customer.
"""

from datetime import timedelta

import dagster as dg
import pandas as pd

from ml.catalogue import CLV_MODEL, SEGMENTS_MODEL
from orchestration.ingest.resources import ShopSource
from orchestration.markdown import image, table
from orchestration.profiles.config import CampaignConfig, ClvConfig, SegmentConfig, TransitionConfig
from orchestration.tags import as_of
from orchestration.training.assets import lineage, not_trained, version_metadata
from orchestration.training.resources import MlflowTracking
from shoplens.settings import Settings

PROFILES = "profiles"
CENTROIDS_PLOT = "centroids.png"


def _latest_alive(truth: pd.DataFrame | None, day) -> pd.DataFrame | None:
    """The simulator's alive flags at its newest cutoff by the end of `day` (users churned then are churned after)."""
    if truth is None:
        return None
    cutoffs = pd.to_datetime(truth["cutoff_date"])
    usable = cutoffs[cutoffs <= pd.Timestamp(day) + pd.Timedelta(days=1)]
    return None if usable.empty else truth.loc[cutoffs == usable.max(), ["user_id", "alive"]]


def _current_segmenter(settings: Settings):
    from ml.tracking import load_by_alias, version_by_alias

    version = version_by_alias(SEGMENTS_MODEL, "champion", settings)
    return (None, None) if version is None else (load_by_alias(SEGMENTS_MODEL, "champion", settings).segmenter, version)


@dg.asset(deps=["user_features_daily"], group_name=PROFILES, kinds={"scikitlearn", "mlflow"})
def user_segments(context: dg.AssetExecutionContext, config: SegmentConfig, mlflow: MlflowTracking, source: ShopSource,
                  shoplens: dg.ResourceParam[Settings]) -> dg.MaterializeResult:
    """Every user's segment (user_id, segment_id, segment_name, as_of): K-means on standardised RFM and
    behaviour, k by silhouette, ids matched to the previous fit's (Hungarian), names by a documented rule."""
    from ml.scoring import latest_feature_day
    from ml.segments.features import load_segment_features
    from ml.segments.model import SegmentParams, TooFewUsers, fit_segments
    from ml.segments.pyfunc import SegmenterPyfunc
    from ml.segments.report import adjusted_rand, latent_types, save_centroid_heatmap
    from ml.tracking import client, log_training_run
    from ml.warehouse import replace_table

    mlflow.setup(shoplens)
    warehouse = shoplens.paths.warehouse
    day = as_of(context) or latest_feature_day(warehouse)
    try:
        features = load_segment_features(warehouse, day)
    except ValueError as reason:
        return not_trained(context, str(reason))
    previous, previous_version = _current_segmenter(shoplens)
    params = SegmentParams(**config.model_dump())
    try:
        fit = fit_segments(features, params, previous, as_of=day)
    except TooFewUsers as reason:
        return not_trained(context, f"segments skipped: {reason}")
    segmenter = fit.segmenter
    assigned = segmenter.assign(features).assign(as_of=pd.Timestamp(day))
    metrics = {"k": fit.k, "silhouette": fit.silhouette, "users": len(features),
               "matched_segments": int((fit.matching["status"] == "matched").sum()),
               "new_segments": int((fit.matching["status"] == "new").sum()), "retired_segments": len(fit.retired),
               **{f"silhouette_k{k}": s for k, s in fit.silhouette_by_k.items()}}
    factors = source.user_factors()
    if factors is not None:
        metrics["ari_vs_truth"], metrics["ari_users"] = adjusted_rand(
            assigned, latent_types(factors, _latest_alive(source.ground_truth(), day)))
    heatmap = save_centroid_heatmap(segmenter, shoplens.paths.plots(SEGMENTS_MODEL) / CENTROIDS_PLOT)
    version = log_training_run(
        SEGMENTS_MODEL, model=SegmenterPyfunc(segmenter),
        params={**{f: getattr(params, f) for f in params.__dataclass_fields__}, "as_of": str(day),
                "previous_version": previous_version},
        metrics=metrics, plots={"centroids": heatmap}, input_example=features.head(5), training_data=features,
        dataset_name="user_features_daily", label=None,
        tags=lineage(context, shoplens, pd.Series([pd.Timestamp(day)]), "user_features_daily"), settings=shoplens,
    )
    client(shoplens).set_registered_model_alias(SEGMENTS_MODEL, "champion", str(version.version))
    replace_table(warehouse, "user_segments", assigned)
    names = dict(zip(segmenter.segment_ids, segmenter.names))
    context.log.info(f"segments v{version.version}: k={fit.k}, silhouette {fit.silhouette:.3f}; "
                     + ", ".join(f"{i} {n}" for i, n in names.items()))
    matching = fit.matching.assign(previous_segment_id=fit.matching["previous_segment_id"].astype(object))
    return dg.MaterializeResult(metadata={
        "trained": True,
        "dagster/row_count": dg.MetadataValue.int(len(assigned)),
        **{k: float(v) for k, v in metrics.items() if k in ("k", "silhouette", "ari_vs_truth")},
        **{k: metrics[k] for k in ("matched_segments", "new_segments", "retired_segments")},
        "previous_version": previous_version,
        "segments": dg.MetadataValue.md(table(["id", "name", "previous id", "distance", "status"],
                                              matching[["segment_id", "segment_name", "previous_segment_id", "distance",
                                                        "status"]].itertuples(index=False))),
        "retired_segment_ids": str(fit.retired),
        "silhouette_by_k": dg.MetadataValue.md(table(["k", "silhouette"], fit.silhouette_by_k.items())),
        **version_metadata(shoplens, SEGMENTS_MODEL, version),
    })


@dg.asset(deps=[user_segments, "user_scores"], group_name=PROFILES, kinds={"duckdb"})
def segment_profiles(context: dg.AssetExecutionContext, shoplens: dg.ResourceParam[Settings]) -> dg.MaterializeResult:
    """Per segment: size, share of revenue, the mean of each feature, and the champions' mean propensity and churn risk."""
    from ml.segments.features import load_segment_features
    from ml.segments.report import segment_profiles as profiles_of
    from ml.warehouse import read_table, replace_table

    warehouse = shoplens.paths.warehouse
    assigned = read_table(warehouse, "user_segments")
    if assigned is None or assigned.empty:
        return dg.MaterializeResult(metadata={"dagster/row_count": 0, "note": "no segments: see user_segments"})
    day = assigned["as_of"].max().date()
    profiles = profiles_of(assigned, load_segment_features(warehouse, day), read_table(warehouse, "user_scores"))
    replace_table(warehouse, "segment_profiles", profiles)
    shown = ["segment_id", "segment_name", "users", "share_of_users", "share_of_revenue", "mean_recency_days",
             "mean_frequency", "mean_monetary", "mean_purchase_propensity", "mean_churn_risk"]
    context.log.info(f"{len(profiles)} segment profiles")
    heatmap = shoplens.paths.plots(SEGMENTS_MODEL) / CENTROIDS_PLOT  # user_segments draws it with each fit
    return dg.MaterializeResult(metadata={
        "dagster/row_count": dg.MetadataValue.int(len(profiles)),
        **({"plot_centroids": dg.MetadataValue.md(image(heatmap, "segment centroids"))} if heatmap.exists() else {}),
        "profiles": dg.MetadataValue.md(table(["id", "name", "users", "user share", "revenue share", "recency (d)",
                                               "orders 365 d", "spend 365 d", "propensity", "churn risk"],
                                              profiles[shown].itertuples(index=False))),
    })


@dg.asset(deps=[user_segments], group_name=PROFILES, kinds={"duckdb"})
def segment_transitions(context: dg.AssetExecutionContext, config: TransitionConfig, mlflow: MlflowTracking,
                        shoplens: dg.ResourceParam[Settings]) -> dg.MaterializeResult:
    """How many users moved from each segment to each other one between `compare_days` ago and now (same fit)."""
    from ml.segments.features import load_segment_features
    from ml.segments.report import save_transition_heatmap, transition_matrix
    from ml.segments.report import segment_transitions as transitions_of
    from ml.warehouse import read_table, replace_table

    mlflow.setup(shoplens)
    warehouse = shoplens.paths.warehouse
    after = read_table(warehouse, "user_segments")
    segmenter, version = _current_segmenter(shoplens)
    if after is None or after.empty or segmenter is None:
        return dg.MaterializeResult(metadata={"dagster/row_count": 0, "note": "no segments: see user_segments"})
    now = after["as_of"].max().date()
    then = now - timedelta(days=config.compare_days)
    try:
        before = segmenter.assign(load_segment_features(warehouse, then))
    except ValueError as reason:
        return dg.MaterializeResult(metadata={"dagster/row_count": 0, "note": f"no transitions from {then}: {reason}"})
    moves = transitions_of(before, after).assign(from_date=pd.Timestamp(then), to_date=pd.Timestamp(now))
    replace_table(warehouse, "segment_transitions", moves)
    matrix = transition_matrix(moves)
    heatmap = save_transition_heatmap(matrix, shoplens.paths.plots(SEGMENTS_MODEL) / "transitions.png")
    moved = moves[moves["from_segment"] != moves["to_segment"]].sort_values("users", ascending=False)
    context.log.info(f"transitions {then}..{now}: {int(moved['users'].sum())} of {int(moves['users'].sum())} users moved")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": dg.MetadataValue.int(len(moves)),
        "from_date": str(then), "to_date": str(now), "segments_version": version,
        "users_moved": int(moved["users"].sum()),
        "matrix": dg.MetadataValue.md(table(["from \\ to", *matrix.columns],
                                            ((i, *row) for i, row in zip(matrix.index, matrix.to_numpy().tolist())))),
        "biggest_moves": dg.MetadataValue.md(table(["from", "to", "users"],
                                                   moved.head(10)[["from_segment", "to_segment", "users"]].itertuples(index=False))),
        "plot_transitions": dg.MetadataValue.md(image(heatmap, "segment transitions")),
    })


@dg.asset(deps=["fct_orders", "int_data_window", "excluded_sessions"], group_name=PROFILES, kinds={"scipy", "mlflow"})
def clv_model(context: dg.AssetExecutionContext, config: ClvConfig, mlflow: MlflowTracking, source: ShopSource,
              shoplens: dg.ResourceParam[Settings]) -> dg.MaterializeResult:
    """BG/NBD purchases and Gamma-Gamma spend fitted on a calibration period, judged on the holdout after it
    against the same-rate baseline (the oracle beside it on simulated data), registered as `clv`."""
    from ml.clv.data import load_purchase_days, load_window
    from ml.clv.model import ClvParams
    from ml.clv.plots import save_calibration_plot
    from ml.clv.pyfunc import ClvPyfunc
    from ml.clv.train import CannotFit, train_clv
    from ml.tracking import log_training_run

    mlflow.setup(shoplens)
    warehouse, params = shoplens.paths.warehouse, ClvParams(**config.model_dump())
    window = load_window(warehouse, as_of(context))
    if window is None:
        return not_trained(context, "the source has no events")
    purchase_days, before = load_purchase_days(warehouse, window)
    try:
        training = train_clv(purchase_days, window, params, source.ground_truth())
    except CannotFit as reason:
        return not_trained(context, str(reason))
    metrics = training.metrics
    plot = save_calibration_plot(training.by_frequency, params.holdout_days, shoplens.paths.plots(CLV_MODEL) / "calibration.png")
    summary = training.holdout.drop(columns=["actual", "predicted", "baseline"])
    version = log_training_run(
        CLV_MODEL, model=ClvPyfunc(training.model),
        params={**training.model.params(), **config.model_dump(), "calibration_end": str(training.calibration_end),
                "orders_before_window_left_out": before, "notes": "; ".join(training.notes) or "none"},
        metrics=metrics, plots={"calibration_by_frequency": plot}, input_example=summary.head(5), training_data=summary,
        dataset_name="fct_orders", label=None,
        tags=lineage(context, shoplens, purchase_days["day"], "fct_orders"), settings=shoplens,
    )
    context.log.info(f"clv v{version.version}: holdout MAE {metrics['holdout_mae']:.3f} "
                     f"(same-rate baseline {metrics['baseline_holdout_mae']:.3f})")
    rows = [("BG/NBD", metrics["holdout_mae"], metrics["holdout_rmse"], metrics.get("oracle_correlation")),
            ("same rate as in calibration", metrics["baseline_holdout_mae"], metrics["baseline_holdout_rmse"],
             metrics.get("baseline_oracle_correlation"))]
    if "oracle_holdout_mae" in metrics:
        rows.append(("oracle (true expected purchases)", metrics["oracle_holdout_mae"], metrics["oracle_holdout_rmse"], 1.0))
    return dg.MaterializeResult(metadata={
        "trained": True,
        **{k: float(metrics[k]) for k in ("holdout_mae", "baseline_holdout_mae", "holdout_rmse", "baseline_holdout_rmse",
                                          "oracle_correlation") if k in metrics},
        "fitted": dg.MetadataValue.md(table(["parameter", "value"], training.model.params().items())),
        "model_comparison": dg.MetadataValue.md(table(["model", "holdout MAE (purchase days)", "holdout RMSE",
                                                       "correlation with the oracle"], rows)),
        "by_frequency": dg.MetadataValue.md(table(list(training.by_frequency.columns), training.by_frequency.itertuples(index=False))),
        "plot_calibration": dg.MetadataValue.md(image(plot, "holdout purchases by calibration frequency")),
        "calibration_end": str(training.calibration_end),
        "notes": "; ".join(training.notes) or "none",
        **version_metadata(shoplens, CLV_MODEL, version),
    })


@dg.asset(deps=["fct_orders", "int_data_window", "excluded_sessions"], group_name=PROFILES, kinds={"duckdb"})
def customer_rfm(context: dg.AssetExecutionContext, shoplens: dg.ResourceParam[Settings]) -> dg.MaterializeResult:
    """Each customer's BTYD summary (frequency, recency, T, monetary_value) at the end of the data, stamped the midnight
    after: what `customer_value` values, and (Feast's `customer_rfm` view) what the serving API values online."""
    from ml.clv.data import SUMMARY_COLUMNS, customer_summaries
    from ml.warehouse import replace_typed_table

    summaries = customer_summaries(shoplens.paths.warehouse, as_of(context))
    replace_typed_table(shoplens.paths.warehouse, "customer_rfm", summaries, SUMMARY_COLUMNS)
    return dg.MaterializeResult(metadata={
        "dagster/row_count": dg.MetadataValue.int(len(summaries)),
        "repeat_customers": int((summaries["frequency"] > 0).sum()),
        "as_of": str(summaries["feature_timestamp"].iloc[0]) if len(summaries) else "no purchases",
    })


@dg.asset(deps=[clv_model, customer_rfm], group_name=PROFILES, kinds={"duckdb"})
def customer_value(context: dg.AssetExecutionContext, mlflow: MlflowTracking,
                   shoplens: dg.ResourceParam[Settings]) -> dg.MaterializeResult:
    """Per customer, from the champion CLV model on all data: P(alive), expected purchase days in 30 and 90
    days, expected order value and 90-day spend (NaN where the source has no prices)."""
    from ml.tracking import load_by_alias, version_by_alias
    from ml.warehouse import read_table, replace_table

    mlflow.setup(shoplens)
    warehouse = shoplens.paths.warehouse
    version = version_by_alias(CLV_MODEL, "champion", shoplens)
    summaries = read_table(warehouse, "customer_rfm")
    if version is None or summaries is None or summaries.empty:
        return dg.MaterializeResult(metadata={"dagster/row_count": 0, "note": "no champion CLV model yet: see clv_model"})
    model = load_by_alias(CLV_MODEL, "champion", shoplens).model
    end = summaries["feature_timestamp"].iloc[0].tz_convert(None)
    value = model.value(summaries.drop(columns="feature_timestamp")).assign(as_of=end, model_version=version)
    replace_table(warehouse, "customer_value", value)
    spend = value["expected_spend_90d"]
    context.log.info(f"{len(value)} customers valued by clv v{version}")
    alive = pd.cut(value["p_alive"], [0, 0.25, 0.5, 0.75, 1.0], include_lowest=True).astype(str)
    by_alive = value.groupby(alive, sort=True).agg(customers=("user_id", "size"), purchases_90d=("expected_purchases_90d", "mean"),
                                                   spend_90d=("expected_spend_90d", "mean")).reset_index()
    return dg.MaterializeResult(metadata={
        "dagster/row_count": dg.MetadataValue.int(len(value)),
        "champion_version": version,
        "as_of": str(end.date()),
        "mean_p_alive": float(value["p_alive"].mean()),
        "expected_purchases_90d_total": float(value["expected_purchases_90d"].sum()),
        **({"expected_spend_90d_total": float(spend.sum())} if spend.notna().any() else {}),
        "spend": "modelled" if model.spend is not None else "not modelled: the source has no prices (purchases only)",
        "by_p_alive": dg.MetadataValue.md(table(["P(alive)", "customers", "mean purchase days in 90 d", "mean 90-day spend"],
                                                by_alive.itertuples(index=False))),
    })


@dg.asset(deps=[customer_value, "user_scores", "user_features_daily"], group_name=PROFILES, kinds={"duckdb"})
def campaign_lists(context: dg.AssetExecutionContext, config: CampaignConfig,
                   shoplens: dg.ResourceParam[Settings]) -> dg.MaterializeResult:
    """Ranked users for retention, reactivation and cross-sell, each with the columns that put them on the list."""
    from ml.campaigns import CAMPAIGNS, CampaignThresholds, load_inputs
    from ml.campaigns import campaign_lists as lists_of
    from ml.warehouse import replace_table

    warehouse = shoplens.paths.warehouse
    lists = lists_of(load_inputs(warehouse), CampaignThresholds(**config.model_dump()))
    replace_table(warehouse, "campaign_lists", lists)
    counts = lists["campaign"].value_counts().reindex(CAMPAIGNS, fill_value=0)
    context.log.info("campaign lists: " + ", ".join(f"{c} {n}" for c, n in counts.items()))
    return dg.MaterializeResult(metadata={
        "dagster/row_count": dg.MetadataValue.int(len(lists)),
        **{f"{campaign}_users": int(n) for campaign, n in counts.items()},
        "top_of_each": dg.MetadataValue.md(table(["campaign", "rank", "user", "score", "why"],
                                                 lists[lists["rank"] <= 3][["campaign", "rank", "user_id", "score", "reason"]]
                                                 .itertuples(index=False))),
    })
