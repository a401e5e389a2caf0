import dagster as dg

from orchestration.project import dbt_cli, dbt_project
from orchestration.transform.assets import dbt_model_assets
from shoplens.settings import Settings


def definitions(settings: Settings) -> dg.Definitions:
    project = dbt_project(settings)
    return dg.Definitions(assets=dbt_model_assets(project), resources={"dbt": dbt_cli(project)})
