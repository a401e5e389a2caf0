import dagster as dg
from dagster_dbt import DbtCliResource

from orchestration.project import DBT_EXECUTABLE, dbt_project
from orchestration.transform.assets import dbt_daily_models, dbt_foundation_models, dbt_history_models

defs = dg.Definitions(
    assets=[dbt_foundation_models, dbt_daily_models, dbt_history_models],
    resources={"dbt": DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)},
)
