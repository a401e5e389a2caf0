"""dbt and Feast on Spark (`shoplens spark build|training-set`): the marts built from the landed parquet by a
local Spark in session mode (dbt's `spark` target), and a model's training set joined from them by Feast's
Spark offline store. A run of the graph (`make demo`, `shoplens run`) lands the parquet first.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import warnings
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ml.spark_store import prepare_spark_home
from shoplens.settings import DBT_PROJECT_DIR, Settings, without_settings

DBT = str(Path(sys.executable).parent / "dbt")  # not orchestration.project's: importing dagster-dbt costs seconds


class SparkError(RuntimeError):
    """Spark cannot run here, or dbt on Spark failed (the message says which and why)."""


@dataclass(frozen=True)
class Built:
    seconds: float
    results: dict[str, int]  # status -> count, from dbt's run_results.json
    tables: dict[str, int]  # mart -> rows


def require_java() -> str:
    """The java Spark runs on, or a SparkError saying how to install one."""
    if found := shutil.which("java"):
        return found
    raise SparkError("Spark needs Java 17 or newer: apt-get install openjdk-17-jre-headless (Debian)")


def build(settings: Settings, *, tests: bool = True) -> Built:
    """`dbt build --target spark` (models only without `tests`) over the data directory's raw parquet."""
    require_java()
    if not (settings.paths.raw / "events").exists():
        raise SparkError(f"no landed events in {settings.paths.raw}: run the graph first (make demo)")
    home = prepare_spark_home(settings.paths)
    command = [DBT, "build" if tests else "run", "--target", "spark", "--project-dir", str(DBT_PROJECT_DIR),
               "--profiles-dir", str(DBT_PROJECT_DIR), "--target-path", str(home / "dbt_target"),
               "--log-path", str(home / "dbt_logs"), "--vars", json.dumps(settings.dbt_vars())]
    started = time.perf_counter()
    # the working directory: pyspark leaves spark-warehouse/ and metastore files in it
    env = {**without_settings(os.environ), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    done = subprocess.run(command, cwd=home, capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    if done.returncode:
        raise SparkError(f"dbt on Spark failed (log: {home / 'dbt_logs' / 'dbt.log'}):\n{_errors(done.stdout)}")
    results = json.loads((home / "dbt_target" / "run_results.json").read_text())["results"]
    statuses = dict(Counter(result["status"] for result in results))
    return Built(round(seconds, 1), statuses, table_rows(settings.paths.spark_tables))


def _errors(stdout: str) -> str:
    lines = [line for line in stdout.splitlines() if "Error" in line or "ERROR" in line or "Failure" in line]
    return "\n".join(lines[-20:]) or stdout[-3000:]


def table_rows(tables: Path) -> dict[str, int]:
    """Rows of each Spark-built table (a folder of parquet files)."""
    import duckdb

    with duckdb.connect() as con:
        return {folder.name: con.execute("select count(*) from read_parquet(?)", [str(folder / "*.parquet")]).fetchone()[0]
                for folder in sorted(tables.iterdir()) if any(folder.glob("*.parquet"))}


def training_sets(settings: Settings) -> dict[str, tuple[int, float, Path]]:
    """Every classifier's training set from the Spark-built marts, written to DATA/spark/training_sets/;
    model -> (rows, seconds, file)."""
    from ml.catalogue import TRAINING_SETS
    from ml.spark_store import open_spark_store, spark_training_set

    require_java()
    if not (settings.paths.spark_tables / "labels").exists():
        raise SparkError(f"no Spark-built marts in {settings.paths.spark_tables}: run `shoplens spark build` first")
    store, out, done = open_spark_store(settings), settings.paths.spark / "training_sets", {}
    out.mkdir(exist_ok=True)
    for model in TRAINING_SETS:
        started = time.perf_counter()
        with warnings.catch_warnings():  # Feast warns on every join that its Spark store is in alpha (README says so)
            warnings.simplefilter("ignore", RuntimeWarning)
            frame = spark_training_set(settings, model, store)
        path = out / f"{model}.parquet"
        frame.to_parquet(path)
        done[model] = (len(frame), time.perf_counter() - started, path)
    return done
