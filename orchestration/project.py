"""The dbt project as Dagster sees it; nothing happens at import.

Dagster reads the asset graph from a manifest, and every dbt command it runs parses the project
again with the data directory's vars. So one manifest serves every data directory: parsed once
per version of the project (its files and dbt's version) into dbt_project/target/manifests/,
with a placeholder for the data directory, instead of once per data directory (16–18 s each).
A command then reuses the parse of the last one with the same vars (`partial_parsing`), and the
resource skips what dagster-dbt does in-process that ShopLens never reads (`ShopDbtCli`).
"""

import hashlib
import json
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from packaging.version import Version

from shoplens.settings import DBT_PROJECT_DIR, Settings

# The dbt next to this interpreter, whether or not the venv is on PATH.
DBT_EXECUTABLE = str(Path(sys.executable).parent / "dbt")
MANIFESTS = DBT_PROJECT_DIR / "target" / "manifests"
PLACEHOLDER_DATA_DIR = "/shoplens-data-dir"  # what the manifest's source locations name instead of a data directory
PARTIAL_PARSE = "partial_parse.msgpack"
KEPT_PARSES = 4  # ≈ 1 MB each: the foundation's and history's vars, and the newest day windows'


def dbt_vars(settings: Settings, **more) -> list[str]:
    """The `--vars` argument of every dbt invocation."""
    return ["--vars", json.dumps({**settings.dbt_vars(), **more})]


@contextmanager
def partial_parsing(settings: Settings, vars_arg: list[str], target: Path) -> Iterator[None]:
    """Give a dbt command in `target` the parse of the last one with the same vars (≈ 2 s saved; dbt
    parses again whatever changed since), and keep its own for the next one: the newest KEPT_PARSES."""
    parsed = settings.paths.dbt_target / "parsed"
    kept = parsed / f"{hashlib.sha256(json.dumps(vars_arg).encode()).hexdigest()[:16]}.msgpack"
    if kept.exists():
        target.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(kept, target / PARTIAL_PARSE)
    yield
    if (target / PARTIAL_PARSE).exists():
        parsed.mkdir(parents=True, exist_ok=True)
        scratch = kept.with_name(f"{kept.name}.{os.getpid()}")
        shutil.copyfile(target / PARTIAL_PARSE, scratch)
        scratch.replace(kept)  # whole, even with another run's command reading it
        for old in sorted(parsed.glob("*.msgpack"), key=lambda path: path.stat().st_mtime)[:-KEPT_PARSES]:
            old.unlink(missing_ok=True)


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


class ShopDbtCli(DbtCliResource):
    """dbt commands as subprocesses, without what dagster-dbt does in-process before them that ShopLens never
    reads: `dbt --version` (≈ 2 s a run) and a dbt adapter for row counts and column metadata (≈ 1.4 s a
    command; `describe` counts rows itself once dbt has let go of the warehouse)."""

    @property
    def _cli_version(self) -> Version:
        return Version(version("dbt-core"))  # DBT_EXECUTABLE is this environment's dbt

    def _initialize_dbt_core_adapter(self, args) -> None:
        return None


def dbt_cli(project: DbtProject) -> DbtCliResource:
    return ShopDbtCli(project_dir=project, dbt_executable=DBT_EXECUTABLE)
