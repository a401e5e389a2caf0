"""The dbt project of a data directory as Dagster sees it; nothing happens at import.

Its manifest embeds the data directory (dbt's sources read `var('data_dir')`), so it lives
in the data directory's `dbt_target/`: parsed when missing or older than a model or yml of the
project, and at every `dagster dev` start.
"""

import json
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from shoplens.settings import DBT_PROJECT_DIR, Settings

# The dbt next to this interpreter, whether or not the venv is on PATH.
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")


def dbt_vars(settings: Settings, **more) -> list[str]:
    """The `--vars` argument of every dbt invocation."""
    return ["--vars", json.dumps({**settings.dbt_vars(), **more})]


def _stale(manifest: Path) -> bool:
    """Missing, or older than a file of the dbt project (a model added or edited since it was parsed)."""
    if not manifest.exists():
        return True
    parsed = manifest.stat().st_mtime
    return any(f.stat().st_mtime > parsed for f in Path(DBT_PROJECT_DIR).rglob("*") if f.suffix in (".sql", ".yml"))


def dbt_project(settings: Settings) -> DbtProject:
    project = DbtProject(project_dir=DBT_PROJECT_DIR, target_path=settings.paths.dbt_target)
    if project.preparer.using_dagster_dev() or _stale(project.manifest_path):
        dbt_cli(project).cli(["parse", "--quiet", *dbt_vars(settings)], target_path=project.target_path).wait()
    return project


def dbt_cli(project: DbtProject) -> DbtCliResource:
    return DbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE)
