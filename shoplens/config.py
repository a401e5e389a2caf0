"""Where ShopLens keeps its state: one data directory, overridable by SHOPLENS_DATA_DIR."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"


def data_dir() -> Path:
    """The data directory (created on first use); default `./data` under the repo root."""
    path = Path(os.environ.get("SHOPLENS_DATA_DIR", REPO_ROOT / "data")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def warehouse_path() -> Path:
    return data_dir() / "warehouse.duckdb"


def raw_dir() -> Path:
    """Validated canonical tables written by ingest and read by dbt sources."""
    return data_dir() / "raw"


def default_source_dir() -> Path:
    """Where `shoplens demo` writes the embedded default (the simulated shop)."""
    return data_dir() / "sources" / "simulated"


def feast_dir() -> Path:
    """The Feast registry, exported feature sources and SQLite online store."""
    return data_dir() / "feast"
