"""dbt model contracts on the marts Feast reads, and the column docs Dagster shows.

One full `dbt build` (the session's `built` fixture, shared with test_dbt_marts)
feeds the checks; one more build of a project copy with two contracted columns changed
checks that the contract stops it.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.dbt import test_dbt_marts as marts  # noqa: E402
from tests.dbt.test_dbt_marts import query  # noqa: E402

CONTRACTED = ["user_features_daily", "product_features_daily"]
DOCUMENTED_PATHS = ("marts/", "intermediate/")


def _models(data_dir: Path) -> dict[str, dict]:
    manifest = json.loads((data_dir / "dbt_target" / "manifest.json").read_text())
    return {node["name"]: node for node in manifest["nodes"].values() if node["resource_type"] == "model"}


DUCKDB_NAMES = {"STRING": "VARCHAR"}


def test_contracted_marts_build_as_their_contract(built):
    models = _models(built)
    results = json.loads((built / "dbt_target" / "run_results.json").read_text())
    status = {result["unique_id"]: result["status"] for result in results["results"]}
    for name in CONTRACTED:
        node = models[name]
        assert node["config"]["contract"]["enforced"] is True, name
        # dbt refuses a contract on an incremental model unless it appends or fails on a schema change
        assert node["config"]["on_schema_change"] == "append_new_columns", name
        assert status[node["unique_id"]] == "success", name
        # the contracts spell types Spark parses too: STRING is DuckDB's alias of VARCHAR
        declared = [(column["name"], DUCKDB_NAMES.get(column["data_type"].upper(), column["data_type"].upper()))
                    for column in node["columns"].values()]
        table = query(built, f"describe {name}")
        assert list(zip(table.column_name, table.column_type)) == declared, name


def test_every_mart_and_intermediate_column_is_described(built):
    models = {name: node for name, node in _models(built).items() if node["path"].startswith(DOCUMENTED_PATHS)}
    assert set(CONTRACTED) <= set(models) and "int_events_sessionized" in models
    for name, node in models.items():
        columns = list(query(built, f"select * from {name} limit 0").columns)
        assert sorted(node["columns"]) == sorted(columns), name
        undescribed = [column for column, spec in node["columns"].items() if not spec["description"].strip()]
        assert not undescribed, f"{name}: {undescribed}"


def test_a_changed_column_fails_the_contract(built, tmp_path, monkeypatch):
    project = tmp_path / "dbt_project"
    shutil.copytree(marts.DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    changes = {
        "user_features_daily": "select * replace (cast(tenure_days as integer) as tenure_days) from final",
        "product_features_daily": "select * rename (mean_rating as avg_rating) from final",
    }
    for name, select in changes.items():
        sql = project / "models" / "marts" / f"{name}.sql"
        assert "\nselect * from final" in sql.read_text()
        sql.write_text(sql.read_text().replace("\nselect * from final", f"\n{select}"))
    # a copy of the warehouse (its staging views read the built raw files), so the shared one stays as built
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    shutil.copy(built / "warehouse.duckdb", data_dir)
    window = "feature_date between date '2024-01-10' and date '2024-01-11'"
    rows_before = {name: query(data_dir, f"select count(*) as n from {name} where {window}").n[0] for name in changes}

    monkeypatch.setattr(marts, "DBT_PROJECT_DIR", project)
    with pytest.raises(pytest.fail.Exception) as failed:
        # a partitioned run as Dagster's, on the existing tables (the incremental path)
        marts.run_dbt(data_dir, "build", "--select", *changes, "--exclude-resource-type", "unit_test",
                      "--vars", marts.DAILY_VARS)
    log = str(failed.value)

    assert log.count("This model has an enforced contract that failed") == 2, log
    assert re.search(r"\|\s*tenure_days\s*\|\s*INTEGER\s*\|\s*BIGINT\s*\|\s*data type mismatch", log), log
    assert re.search(r"\|\s*mean_rating\s*\|\s*\|\s*DOUBLE\s*\|\s*missing in definition", log), log
    assert re.search(r"\|\s*avg_rating\s*\|\s*DOUBLE\s*\|\s*\|\s*missing in contract", log), log
    # the pre-hook had cleared the window; the failed build leaves it as it was
    for name, n in rows_before.items():
        assert n > 0
        assert query(data_dir, f"select count(*) as n from {name} where {window}").n[0] == n, name
