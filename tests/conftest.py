"""Session-wide settings, applied before any test module imports the orchestration package."""

import os
import tempfile
from pathlib import Path


def pytest_configure(config):
    # orchestration reads the data directory when imported (dbt's manifest is parsed for it),
    # so the whole session shares one temporary data directory.
    path = Path(tempfile.mkdtemp(prefix="shoplens_test_data_"))
    os.environ["SHOPLENS_DATA_DIR"] = str(path)
    os.environ["DAGSTER_HOME"] = str(path / "dagster")
    (path / "dagster").mkdir()
    os.environ.pop("DBT_TARGET_PATH", None)
