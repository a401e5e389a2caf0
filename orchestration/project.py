"""The dbt project as Dagster sees it; nothing happens at import.

Dagster reads the asset graph from a manifest, and every dbt command it runs parses the project
again with the data directory's vars. So one manifest serves every data directory: parsed once
per version of the project (its files and dbt's version) into dbt_project/target/manifests/,
with a placeholder for the data directory, instead of once per data directory (16–18 s each).
"""

import hashlib
import json
import os
import shutil
import sys
from importlib.metadata import version
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from shoplens.settings import DBT_PROJECT_DIR, Settings

# The dbt next to this interpreter, whether or not the venv is on PATH.
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")
MANIFESTS = DBT_PROJECT_DIR / "target" / "manifests"
PLACEHOLDER_DATA_DIR = "/shoplens-data-dir"  # what the manifest's source locations name instead of a data directory


def dbt_vars(settings: Settings, **more) -> list[str]:
    """The `--vars` argument of every dbt invocation."""
    return ["--vars", json.dumps({**settings.dbt_vars(), **more})]


def fingerprint(project_dir: Path = DBT_PROJECT_DIR) -> str:
    """dbt's version and every model, test, macro and yml of the project (their contents, not their times)."""
    digest = hashlib.sha256(version("dbt-core").encode())
    for path in sorted(project_dir.rglob("*")):
        if path.suffix in (".sql", ".yml", ".csv") and not path.is_relative_to(project_dir / "target"):
            digest.update(str(path.relative_to(project_dir)).encode() + path.read_bytes())
    return digest.hexdigest()[:16]


def dbt_project(settings: Settings) -> DbtProject:
    parsed = MANIFESTS / fingerprint()
    if not (parsed / "manifest.json").exists():
        # parsed aside, then renamed into place: processes that parse at the same time keep the first
        scratch = parsed.with_name(f"{parsed.name}.{os.getpid()}")
        project = DbtProject(project_dir=DBT_PROJECT_DIR, target_path=scratch)
        dbt_cli(project).cli(["parse", "--quiet", *dbt_vars(settings, data_dir=PLACEHOLDER_DATA_DIR)],
                             target_path=scratch).wait()
        try:
            scratch.rename(parsed)
        except OSError:
            shutil.rmtree(scratch, ignore_errors=True)
    return DbtProject(project_dir=DBT_PROJECT_DIR, target_path=parsed)


def dbt_cli(project: DbtProject) -> DbtCliResource:
    return DbtCliResource(project_dir=project, dbt_executable=DBT_EXECUTABLE)
