"""One dbt manifest for every data directory, parsed again only when the dbt project changes."""

import json
import shutil

from orchestration.project import PLACEHOLDER_DATA_DIR, dbt_project, fingerprint
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
