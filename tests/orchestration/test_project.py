"""The dbt project as Dagster runs it: one manifest for every data directory (parsed again only when the project
changes), the resource without dagster-dbt's in-process extras, and parses reused between commands."""

import json
import re
import shutil
import subprocess

from packaging.version import Version

from orchestration.project import (
    DBT_EXECUTABLE,
    KEPT_PARSES,
    PARTIAL_PARSE,
    PLACEHOLDER_DATA_DIR,
    dbt_cli,
    dbt_project,
    dbt_vars,
    fingerprint,
    partial_parsing,
)
from shoplens.settings import DBT_PROJECT_DIR, Settings


def test_two_data_directories_share_one_manifest_that_names_neither(tmp_path):
    first, second = (dbt_project(Settings(data_dir=tmp_path / name)) for name in ("a", "b"))
    assert first.manifest_path == second.manifest_path and first.manifest_path.exists()
    text = first.manifest_path.read_text()
    assert str(tmp_path) not in text and f"{PLACEHOLDER_DATA_DIR}/raw/products.parquet" in text
    assert {"user_features_daily", "labels"} <= {n["name"] for n in json.loads(text)["nodes"].values()}


def test_an_edited_model_changes_the_fingerprint_and_a_touched_one_does_not(tmp_path):
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    before = fingerprint(project)
    model = next(project.glob("models/marts/*.sql"))
    model.touch()
    assert fingerprint(project) == before
    model.write_text(model.read_text() + "\n-- edited\n")
    edited = fingerprint(project)
    assert edited != before
    (project / "target").mkdir()
    (project / "target" / "schema.yml").write_text("x")  # dbt's own output is not part of the project
    assert fingerprint(project) == edited


def test_the_resource_knows_dbts_version_without_asking_it_and_opens_no_adapter(tmp_path):
    resource = dbt_cli(dbt_project(Settings(data_dir=tmp_path)))
    printed = subprocess.run([DBT_EXECUTABLE, "--version"], capture_output=True, text=True, check=True).stdout
    assert resource._cli_version == Version(re.search(r"installed: (\d+\.\d+\.\d+)", printed)[1])
    invocation = resource.cli(["ls", "--quiet", "--select", "labels", "--vars", json.dumps({"data_dir": str(tmp_path)})],
                              target_path=tmp_path / "target")
    assert invocation.wait().is_successful() and invocation.adapter is None


def test_a_command_with_the_same_vars_as_the_last_skips_parsing(tmp_path):
    settings = Settings(data_dir=tmp_path)
    resource = dbt_cli(dbt_project(settings))

    def parse_log(vars_arg: list[str], name: str) -> str:
        target = tmp_path / name
        with partial_parsing(settings, vars_arg, target):
            assert resource.cli(["ls", "--select", "labels", *vars_arg], target_path=target).wait().is_successful()
        return (target / "dbt.log").read_text()

    assert "Starting full parse" in parse_log(dbt_vars(settings), "first")
    assert "Partial parsing enabled, no changes found, skipping parsing" in parse_log(dbt_vars(settings), "second")
    (tmp_path / "day").mkdir()
    for day in range(1, 1 + KEPT_PARSES):  # each window keeps its own parse, and a daily schedule's do not pile up
        with partial_parsing(settings, dbt_vars(settings, start_date=f"2024-01-0{day}"), tmp_path / "day"):
            (tmp_path / "day" / PARTIAL_PARSE).write_bytes(b"a parse")
    assert len(list((settings.paths.dbt_target / "parsed").glob("*.msgpack"))) == KEPT_PARSES
    assert "Starting full parse" in parse_log(dbt_vars(settings), "the oldest went")
