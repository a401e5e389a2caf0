"""Features: the dbt feature marts registered in Feast, point-in-time training sets, the online store."""

import time
from datetime import UTC, datetime, timedelta

import dagster as dg

from ml.catalogue import TRAINING_SETS
from orchestration.markdown import table
from orchestration.partitions import EVENT_DAYS
from orchestration.tags import as_of
from shoplens.settings import Settings

FEATURES = "features"


@dg.asset(
    deps=[dg.AssetKey("user_features_daily"), dg.AssetKey("product_features_daily"), dg.AssetKey("product_sentiment"),
          dg.AssetKey("customer_rfm")],
    group_name=FEATURES,
    kinds={"parquet"},
)
def feature_sources(shoplens: dg.ResourceParam[Settings]) -> dg.MaterializeResult:
    """The feature marts and the daily product sentiment as parquet with UTC timestamps: the files Feast's
    DuckDB offline store reads."""
    from ml.feature_store import export_sources

    rows = export_sources(shoplens)
    return dg.MaterializeResult(
        metadata={"dagster/row_count": dg.MetadataValue.int(sum(rows.values())), **{f"rows_{t}": n for t, n in rows.items()}}
    )


@dg.asset(deps=[feature_sources], group_name=FEATURES, kinds={"feast"})
def feast_registry(context: dg.AssetExecutionContext, shoplens: dg.ResourceParam[Settings]) -> dg.MaterializeResult:
    """Every entity, feature view and feature service applied to the Feast registry."""
    from feast import FeatureService, FeatureView, OnDemandFeatureView

    from ml.feature_store import apply, definitions, open_store

    objects = apply(open_store(shoplens), definitions(shoplens))
    views = [o for o in objects if isinstance(o, FeatureView | OnDemandFeatureView)]
    services = [o for o in objects if isinstance(o, FeatureService)]
    context.log.info(f"Applied {len(views)} feature views and {len(services)} feature services")
    return dg.MaterializeResult(
        metadata={
            "feature_views": dg.MetadataValue.md(table(["view", "features"], [(v.name, len(v.features)) for v in views])),
            "feature_services": dg.MetadataValue.md(
                table(["service", "features"], [(s.name, sum(len(p.features) for p in s.feature_view_projections)) for s in services])
            ),
            "feature_count": dg.MetadataValue.int(sum(len(v.features) for v in views)),
        }
    )


def training_set_asset(model: str) -> dg.AssetsDefinition:
    spec = TRAINING_SETS[model]

    @dg.asset(
        name=f"training_set_{model}",
        deps=[feast_registry, dg.AssetKey("labels")],
        group_name=FEATURES,
        kinds={"feast", "parquet"},
        description=f"Labels `{spec.label}` joined point-in-time to feature service `{spec.service}`.",
    )
    def _asset(context: dg.AssetExecutionContext, shoplens: dg.ResourceParam[Settings]) -> dg.MaterializeResult:
        from ml.feature_store import labelled_entities, open_store, training_set

        started = time.perf_counter()
        entities = labelled_entities(shoplens.paths.warehouse, model, as_of(context))
        frame = training_set(open_store(shoplens), entities, spec.service)
        path = shoplens.paths.training_set(model)
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(path, index=False)
        features = [c for c in frame.columns if c not in ("user_id", "event_timestamp", spec.label)]
        nulls = frame[features].isna().mean().sort_values(ascending=False)
        context.log.info(f"{model}: {len(frame)} rows x {len(features)} features in {time.perf_counter() - started:.1f} s")
        return dg.MaterializeResult(
            metadata={
                "dagster/row_count": dg.MetadataValue.int(len(frame)),
                "feature_service": spec.service,
                "feature_count": dg.MetadataValue.int(len(features)),
                "positive_rate": float(frame[spec.label].mean()) if len(frame) else None,
                "cutoffs": dg.MetadataValue.int(frame["event_timestamp"].nunique()),
                "null_shares": dg.MetadataValue.md(table(["feature", "null share"], nulls.head(10).items())),
                "path": dg.MetadataValue.path(str(path)),
                "seconds": round(time.perf_counter() - started, 2),
            }
        )

    return _asset


training_sets = [training_set_asset(model) for model in TRAINING_SETS]


@dg.asset(
    deps=[feast_registry],
    partitions_def=EVENT_DAYS,
    backfill_policy=dg.BackfillPolicy.single_run(),
    group_name=FEATURES,
    kinds={"feast"},
)
def online_features(context: dg.AssetExecutionContext, shoplens: dg.ResourceParam[Settings]) -> dg.MaterializeResult:
    """The online store loaded with the features known at the end of the partition's days.

    Features of day D are stamped at the midnight after D, so days [a, b] are the feature
    timestamps [a + 1 day, b + 2 days). An explicit window, not `materialize_incremental`,
    whose first run would start at now - TTL and miss historical data. `ml.online_load` writes
    the rows Feast's materialization would, in bulk (3× faster into SQLite, 5× into Redis: bench/README.md).
    """
    window = context.partition_key_range
    start = datetime.fromisoformat(window.start).replace(tzinfo=UTC) + timedelta(days=1)
    end = datetime.fromisoformat(window.end).replace(tzinfo=UTC) + timedelta(days=2)
    from ml.feature_store import open_store
    from ml.online_load import materialize

    started = time.perf_counter()
    written = materialize(open_store(shoplens), start, end)
    seconds = time.perf_counter() - started
    context.log.info(f"Materialized feature timestamps {start:%Y-%m-%d} .. {end:%Y-%m-%d} in {seconds:.1f} s")
    return dg.MaterializeResult(
        metadata={"window_start": start.isoformat(), "window_end": end.isoformat(), "freshness": (end - timedelta(days=1)).isoformat(),
                  "materialization_seconds": round(seconds, 2),
                  "entities_written": dg.MetadataValue.md(table(["feature view", "entities"], written.items()))}
    )
