"""dbt models as assets: one `dbt build` per layer, dbt tests as asset checks.

Three selections keep partitions honest: the staging and intermediate views, the daily
incremental marts (partitioned by event day, the day window passed as dbt vars), and the
whole-history marts. Nothing in the whole-history marts feeds a daily one.
"""


import json
import shutil
from collections.abc import Iterator, Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from orchestration.partitions import EVENT_DAYS
from orchestration.project import dbt_project
from orchestration.transform.summaries import describe


class ShopDbtTranslator(DagsterDbtTranslator):
    """Sources map onto the ingest assets (`raw_<table>`); models keep their names, grouped by layer."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(f"raw_{dbt_resource_props['name']}")
        return dg.AssetKey(dbt_resource_props["name"])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props["fqn"][1]


TRANSLATOR = ShopDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


def _build(context: dg.AssetExecutionContext, dbt: DbtCliResource, dbt_vars: dict | None = None) -> Iterator:
    """Run one `dbt build` over the selection.

    Materializations are held until dbt exits and lets go of the warehouse (one writer per
    DuckDB file); then they get their row counts and, for some marts, a markdown summary.
    """
    args = ["build", "--indirect-selection", "cautious"] + (["--vars", json.dumps(dbt_vars)] if dbt_vars else [])
    invocation = dbt.cli(args, context=context)
    held = []
    for event in invocation.stream():
        if isinstance(event, dg.Output | dg.AssetMaterialization):
            held.append(event)
        else:
            yield event
    for event in held:
        key = event.asset_key if isinstance(event, dg.AssetMaterialization) else context.asset_key_for_output(event.output_name)
        yield event.with_metadata({**event.metadata, **describe(key.path[-1])})
    shutil.rmtree(invocation.target_path, ignore_errors=True)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select="path:models/staging path:models/intermediate",
    dagster_dbt_translator=TRANSLATOR,
)
def dbt_foundation_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    yield from _build(context, dbt)


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select="tag:daily",
    partitions_def=EVENT_DAYS,
    backfill_policy=dg.BackfillPolicy.single_run(),
    dagster_dbt_translator=TRANSLATOR,
)
def dbt_daily_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    window = context.partition_key_range
    yield from _build(context, dbt, {"start_date": window.start, "end_date": window.end})


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    select="path:models/marts",
    exclude="tag:daily",
    dagster_dbt_translator=TRANSLATOR,
)
def dbt_history_models(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    yield from _build(context, dbt)
