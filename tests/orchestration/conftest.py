"""One tiny simulated shop materialized through Dagster, shared by the orchestration tests.

The orchestration package reads SHOPLENS_DATA_DIR when imported, so the data directory is
set before anything imports it and kept for the whole session.
"""

from __future__ import annotations

import os
from datetime import date

import pytest


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory):
    path = tmp_path_factory.mktemp("shoplens_data")
    os.environ["SHOPLENS_DATA_DIR"] = str(path)
    os.environ["DAGSTER_HOME"] = str(path / "dagster")
    return path


@pytest.fixture(scope="session")
def tiny_shop(data_dir):
    """A 300-user, 21-day simulated shop as a canonical source directory."""
    from simulator import SimConfig, simulate

    out = data_dir / "sources" / "tiny"
    simulate(SimConfig(users=300, days=21, seed=3, start_date=date(2024, 3, 4)), out)
    return out


@pytest.fixture(scope="session")
def materialized(tiny_shop):
    """The whole graph materialized on the tiny shop, as `shoplens run` does it."""
    from shoplens.cli import materialize

    materialize(f"canonical:{tiny_shop}", None)
    return tiny_shop
