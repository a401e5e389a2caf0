"""dbt and Feast on Spark beside DuckDB: the marts built by each engine from the same landed parquet, and the
classifiers' training sets joined point in time by each offline store.

    python bench/bench_spark.py --size 1000000     # events; default: 1 M

The shop is bench_pipeline's (events only). Both builds are `dbt run` (models, no tests) with the project's
targets: DuckDB (`dev`) and a local Spark in session mode (`spark`, local[2]); the Spark figure includes its JVM
and metastore start. The training stages join both classifiers' training sets: Feast's DuckDB offline store
over the exported user_features_daily, and its Spark offline store over the Spark-built one (session start
included). Each stage also reports the peak resident memory of its process tree, sampled: dbt's process and
the JVM it starts. Results go to bench/results/spark.jsonl.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench_pipeline import stage_land, stage_simulate
from bench_scale import TreeMemory
from stages import ROOT, main


def tree_peak(stage):
    """The stage's figures and `tree_peak_rss_mib`: this process and every child, the JVM included."""
    @functools.wraps(stage)
    def measured(work: Path, events: int) -> dict:
        memory = TreeMemory(os.getpid())
        try:
            result = stage(work, events)
        finally:
            memory.stop()
        return {**result, "tree_peak_rss_mib": memory.peak()}

    return measured


def _settings(work: Path):
    from shoplens.settings import Settings

    return Settings(data_dir=work)


@tree_peak
def stage_dbt_duckdb(work: Path, events: int) -> dict:
    dbt = Path(sys.executable).parent / "dbt"
    args = ["run", "--project-dir", str(ROOT / "dbt_project"), "--profiles-dir", str(ROOT / "dbt_project"),
            "--target-path", str(work / "dbt_target"), "--vars", json.dumps({"data_dir": str(work)})]
    started = time.perf_counter()
    subprocess.run([str(dbt), *args], check=True, stdout=subprocess.DEVNULL, env=os.environ)
    return {"seconds": round(time.perf_counter() - started, 1)}


@tree_peak
def stage_dbt_spark(work: Path, events: int) -> dict:
    from apps.spark import build

    built = build(_settings(work), tests=False)
    return {"seconds": built.seconds, "user_feature_rows": built.tables["user_features_daily"]}


@tree_peak
def stage_training_duckdb(work: Path, events: int) -> dict:
    from feature_repo.repository import user_feature_objects
    from ml.catalogue import TRAINING_SETS
    from ml.feature_store import apply, export_sources, labelled_entities, open_store, training_set

    settings = _settings(work)
    started = time.perf_counter()
    export_sources(settings, ("user_features_daily",))
    store = open_store(settings)
    apply(store, user_feature_objects(settings.paths.feast_sources))
    rows = {model: len(training_set(store, labelled_entities(settings.paths.warehouse, model), spec.service))
            for model, spec in TRAINING_SETS.items()}
    return {"seconds": round(time.perf_counter() - started, 1), "rows": rows}


@tree_peak
def stage_training_spark(work: Path, events: int) -> dict:
    from ml.catalogue import TRAINING_SETS
    from ml.spark_store import open_spark_store, spark_training_set

    settings = _settings(work)
    started = time.perf_counter()
    store = open_spark_store(settings)
    rows = {model: len(spark_training_set(settings, model, store)) for model in TRAINING_SETS}
    return {"seconds": round(time.perf_counter() - started, 1), "rows": rows}


STAGES = {"simulate": stage_simulate, "land": stage_land, "dbt_duckdb": stage_dbt_duckdb, "dbt_spark": stage_dbt_spark,
          "training_duckdb": stage_training_duckdb, "training_spark": stage_training_spark}

if __name__ == "__main__":
    main(__file__, "spark", STAGES, [1_000_000], __doc__, tiny=20_000)
