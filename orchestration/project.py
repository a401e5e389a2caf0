"""The dbt project as Dagster sees it. Its manifest is parsed once per data directory."""

import os
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from shoplens.config import DBT_PROJECT_DIR, data_dir

# dbt's profile and sources read the data directory from the environment; each dagster-dbt
# invocation gets its own folder under DBT_TARGET_PATH, next to the parsed manifest.
os.environ.setdefault("SHOPLENS_DATA_DIR", str(data_dir()))
os.environ.setdefault("DBT_TARGET_PATH", str(data_dir() / "dbt_target"))
# The dbt next to this interpreter, whether or not the venv is on PATH.
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, target_path=Path(os.environ["DBT_TARGET_PATH"]))
# Parsed at every `dagster dev` start (to pick up model edits), elsewhere only when missing.
if dbt_project.preparer.using_dagster_dev() or not dbt_project.manifest_path.exists():
    dbt = DbtCliResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE)
    dbt.cli(["parse", "--quiet"], target_path=dbt_project.target_path).wait()
