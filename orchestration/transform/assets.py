"""dbt models as assets: one `dbt build` per layer, dbt tests as asset checks.

Three selections keep partitions honest: the staging views and intermediate tables, the daily
incremental marts (partitioned by event day, the day window passed as dbt vars), and the
whole-history marts. Nothing in the whole-history marts feeds a daily one.
"""


import shutil
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

from orchestration.partitions import EVENT_DAYS
from orchestration.project import dbt_vars, partial_parsing
from orchestration.transform.summaries import describe
from shoplens.settings import Settings


class ShopDbtTranslator(DagsterDbtTranslator):
    """Sources map onto the assets that write them: the ingest assets (`raw_<table>`) and, for the `risk`
    source, the Python asset of the same name; models keep their names, grouped by layer."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source" and dbt_resource_props["source_name"] == "raw":
            return dg.AssetKey(f"raw_{dbt_resource_props['name']}")
        return dg.AssetKey(dbt_resource_props["name"])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props["fqn"][1]


TRANSLATOR = ShopDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


def _build(context: dg.AssetExecutionContext, dbt: DbtCliResource, settings: Settings, **window) -> Iterator:
    """Run one `dbt build` over the selection.

    Materializations are held until dbt exits and lets go of the warehouse (one writer per
    DuckDB file); then they get their row counts and, for some marts, a markdown summary.
    """
    target = settings.paths.dbt_target / f"{context.op_execution_context.op.name}-{context.run.run_id[:8]}"
    vars_arg = dbt_vars(settings, **window)
    held = []
    with partial_parsing(settings, vars_arg, target):
        invocation = dbt.cli(["build", "--indirect-selection", "cautious", *vars_arg], context=context, target_path=target)
        for event in invocation.stream():
            if isinstance(event, dg.Output | dg.AssetMaterialization):
                held.append(event)
            else:
                yield event
    for event in held:
        key = event.asset_key if isinstance(event, dg.AssetMaterialization) else context.asset_key_for_output(event.output_name)
        yield event.with_metadata({**event.metadata, **describe(settings.paths.warehouse, key.path[-1])})
    shutil.rmtree(target, ignore_errors=True)


def dbt_model_assets(project: DbtProject) -> list[dg.AssetsDefinition]:
    """The three dbt selections of the project (its manifest read here, not at import)."""

    @dbt_assets(manifest=project.manifest_path, project=project, dagster_dbt_translator=TRANSLATOR,
                select="path:models/staging path:models/intermediate")
    def dbt_foundation_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, shoplens: dg.ResourceParam[Settings]):
        yield from _build(context, dbt, shoplens)

    @dbt_assets(manifest=project.manifest_path, project=project, dagster_dbt_translator=TRANSLATOR,
                select="tag:daily", partitions_def=EVENT_DAYS, backfill_policy=dg.BackfillPolicy.single_run())
    def dbt_daily_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, shoplens: dg.ResourceParam[Settings]):
        window = context.partition_key_range
        yield from _build(context, dbt, shoplens, start_date=window.start, end_date=window.end)

    @dbt_assets(manifest=project.manifest_path, project=project, dagster_dbt_translator=TRANSLATOR,
                select="path:models/marts", exclude="tag:daily")
    def dbt_history_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, shoplens: dg.ResourceParam[Settings]):
        yield from _build(context, dbt, shoplens)

    return [dbt_foundation_models, dbt_daily_models, dbt_history_models]
