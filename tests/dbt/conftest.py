"""The dbt data directory both dbt test modules read: built once per session."""

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Path:
    """A data directory with the full dataset and a complete `dbt build` (all data and unit tests)."""
    from tests.dbt.test_dbt_marts import run_dbt, write_raw

    data_dir = tmp_path_factory.mktemp("shoplens")
    write_raw(data_dir)
    run_dbt(data_dir, "build")
    return data_dir
