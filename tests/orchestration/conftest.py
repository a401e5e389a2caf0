"""One tiny simulated shop materialized through Dagster, shared by the orchestration tests."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def data_dir():
    """The session's data directory (tests/conftest.py sets it before orchestration is imported)."""
    return Path(os.environ["SHOPLENS_DATA_DIR"])


@pytest.fixture(scope="session")
def tiny_shop(data_dir):
    """A 400-user, 63-day simulated shop: enough weeks for churn labels (30 days ahead) on 3 cutoffs."""
    from simulator import SimConfig, simulate

    out = data_dir / "sources" / "tiny"
    simulate(SimConfig(users=400, days=63, seed=3, start_date=date(2024, 3, 4)), out)
    return out


@pytest.fixture(scope="session")
def materialized(tiny_shop):
    """The whole graph materialized on the tiny shop, as `shoplens run` does it."""
    from shoplens.cli import materialize

    materialize(f"canonical:{tiny_shop}", None)
    return tiny_shop
