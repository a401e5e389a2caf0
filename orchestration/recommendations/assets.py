"""Recommendations: the two-stage recommender trained and gated in MLflow, every active user's
list from the champion, and what is frequently bought together.

`recommender_model` evaluates every candidate generator alone and the XGBoost ranker over their
union under both protocols on the last weekly cutoff (the oracle beside them on simulated data),
then registers the shipped protocol's recommender as the `recommender` challenger; its promotion
check compares recall@20 with the champion's on the same holdout. `recommendations` refits the
champion's recipe on the newest data, so lists stay fresh between retrainings (when the champion
was trained on these very events, its own lists are those a refit would make: they are written as they are).
"""

import dagster as dg
import pandas as pd

from ml.catalogue import RECOMMENDER_MODEL
from ml.recommend.model import LIST_COLUMNS
from orchestration.ingest.resources import ShopSource
from orchestration.markdown import table
from orchestration.recommendations.config import PairsConfig, RecommenderConfig
from orchestration.tags import as_of
from orchestration.training.assets import lineage, version_metadata
from orchestration.training.resources import MlflowTracking
from shoplens.settings import Settings

RECOMMENDATIONS = "recommendations"
MODEL = RECOMMENDER_MODEL
METRIC_COLUMNS = ["recall_at_20", "ndcg_at_10", "precision_at_10", "map_at_10", "hit_rate_at_20", "coverage", "novelty"]
HEADLINE = ("recall_at_20", "ndcg_at_10", "best_single_recall_at_20", "oracle_recall_at_20", "oracle_recall_ratio")


def _comparison(comparison: pd.DataFrame) -> str:
    rows = comparison[["protocol", "method", *METRIC_COLUMNS]].itertuples(index=False)
    return table(["protocol", "method", "recall@20", "NDCG@10", "precision@10", "MAP@10", "hit rate@20", "coverage",
                  "novelty"], rows)


def _input_example(lists: pd.DataFrame) -> pd.DataFrame:
    users = list(lists["user_id"].drop_duplicates().head(2)) + ["an-unknown-user"]
    return pd.DataFrame({"user_id": users})


@dg.asset(
    deps=["int_events_sessionized", "excluded_sessions", "dim_products", "labels"],
    group_name=RECOMMENDATIONS,
    kinds={"xgboost", "mlflow"},
)
def recommender_model(context: dg.AssetExecutionContext, config: RecommenderConfig, mlflow: MlflowTracking,
                      source: ShopSource, shoplens: dg.ResourceParam[Settings]) -> dg.MaterializeResult:
    """Candidates from popularity, buy-again, personal frequency (TIFU-KNN), ALS, BPR, item kNN and
    co-purchase, ranked by XGBoost; every method and the oracle side by side, registered as `recommender`."""
    from ml.recommend.data import label_cutoffs, load_events, load_products
    from ml.recommend.pyfunc import RecommenderPyfunc
    from ml.recommend.train import train_recommender
    from ml.tracking import log_training_run

    mlflow.setup(shoplens)
    warehouse, day = shoplens.paths.warehouse, as_of(context)
    events = load_events(warehouse, day)
    if events.empty:
        context.log.warning("not trained: the source has no events")
        return dg.MaterializeResult(metadata={"trained": False, "reason": "the source has no events"})
    params = config.params()
    training = train_recommender(events, load_products(warehouse), label_cutoffs(warehouse, day), params,
                                 source.item_truth())
    recommender = training.recommender
    fit_times = table(["part", "seconds"], [(k.removeprefix("fit_seconds_"), v) for k, v in training.fit_seconds.items()])
    if recommender.ranker is None:
        context.log.warning(f"not trained: {recommender.fallback_reason}")
        return dg.MaterializeResult(metadata={"trained": False, "reason": recommender.fallback_reason,
                                              "fit_seconds": dg.MetadataValue.md(fit_times)})
    metrics = {**training.metrics, **training.fit_seconds}
    version = log_training_run(
        MODEL,
        model=RecommenderPyfunc(recommender),
        params={**params.flat(), "test_cutoff": f"{training.test_cutoff:%Y-%m-%d}"},
        metrics=metrics,
        plots={},
        input_example=_input_example(recommender.lists),
        training_data=events,
        dataset_name="int_events_sessionized",
        label=None,
        tags=lineage(context, shoplens, events["event_time"], "int_events_sessionized"),
        settings=shoplens,
    )
    context.log.info(f"recommender v{version.version} ({params.protocol}): recall@20 {metrics['recall_at_20']:.3f}, "
                     f"best single method {metrics['best_single_recall_at_20']:.3f}")
    return dg.MaterializeResult(metadata={
        "trained": True,
        "protocol": params.protocol,
        **{k: float(metrics[k]) for k in HEADLINE if k in metrics},
        "methods": dg.MetadataValue.md(_comparison(training.comparison)),
        "fit_seconds": dg.MetadataValue.md(fit_times),
        "test_cutoff": f"{training.test_cutoff:%Y-%m-%d}",
        **version_metadata(shoplens, MODEL, version),
    })


@dg.asset(deps=[recommender_model], group_name=RECOMMENDATIONS, kinds={"duckdb"})
def recommendations(context: dg.AssetExecutionContext, mlflow: MlflowTracking,
                    shoplens: dg.ResourceParam[Settings]) -> dg.MaterializeResult:
    """Top-20 products (user_id, product_id, rank, score, source) for every user with an event in the
    active days, from the champion's recipe refitted on the newest data; popularity while there is none."""
    from ml.recommend.config import RecommenderParams
    from ml.recommend.data import load_events, load_products, recommendation_summary, write_recommendations
    from ml.recommend.train import next_midnight, popularity_only
    from ml.tracking import load_by_alias, version_by_alias

    mlflow.setup(shoplens)
    warehouse = shoplens.paths.warehouse
    events, products = load_events(warehouse, as_of(context)), load_products(warehouse)
    if events.empty:
        write_recommendations(warehouse, pd.DataFrame(columns=LIST_COLUMNS), None)
        return dg.MaterializeResult(metadata={"dagster/row_count": 0, "note": "the source has no events"})
    version = version_by_alias(MODEL, "champion", shoplens)
    if version is None:
        made_by = {"note": "no champion recommender yet: everyone gets the popular products"}
        recommender = popularity_only(events, products, RecommenderParams(), made_by["note"]).recommender
    else:
        champion = load_by_alias(MODEL, "champion", shoplens).recommender
        recommender = champion.refreshed(events, products, next_midnight(events))
        how = "its own lists, made from these very events" if recommender is champion else "refitted on the events"
        made_by = {"made_by": f"champion v{version}, {how} up to {recommender.as_of - pd.Timedelta(days=1):%Y-%m-%d}"}
    write_recommendations(warehouse, recommender.lists, version)
    summary = recommendation_summary(warehouse)
    context.log.info(f"{summary['users']} users, {len(recommender.lists)} recommendations ({next(iter(made_by.values()))})")
    by_source = recommender.lists["source"].value_counts().rename_axis("source").reset_index()
    return dg.MaterializeResult(metadata={
        "dagster/row_count": dg.MetadataValue.int(len(recommender.lists)),
        **made_by,
        "champion_version": version,
        **summary,
        "by_source": dg.MetadataValue.md(table(["source", "recommendations"], by_source.itertuples(index=False))),
        "preview": dg.MetadataValue.md(table(["user", "rank", "product", "score", "source"],
                                             recommender.lists.head(10)[["user_id", "rank", "product_id", "score", "source"]]
                                             .itertuples(index=False))),
    })


@dg.asset(deps=["co_purchase_pairs"], group_name=RECOMMENDATIONS, kinds={"duckdb"})
def frequently_bought_together(context: dg.AssetExecutionContext, config: PairsConfig,
                               shoplens: dg.ResourceParam[Settings]) -> dg.MaterializeResult:
    """Per product, the partners bought in the same orders, ranked by lift (support/confidence thresholds as config)."""
    from ml.recommend.pairs import PairThresholds, write_frequently_bought_together

    pairs = write_frequently_bought_together(shoplens.paths.warehouse, PairThresholds(**config.model_dump()))
    products = pairs["product_id"].nunique()
    context.log.info(f"{len(pairs)} pairs for {products} products")
    top = pairs.sort_values(["lift", "n_orders_together"], ascending=False).head(10)
    return dg.MaterializeResult(metadata={
        "dagster/row_count": dg.MetadataValue.int(len(pairs)),
        "products_with_partners": products,
        "strongest_pairs": dg.MetadataValue.md(table(
            ["product", "partner", "orders together", "support", "confidence", "lift"],
            top[["product_id", "partner_product_id", "n_orders_together", "support", "confidence", "lift"]]
            .itertuples(index=False))),
    })
