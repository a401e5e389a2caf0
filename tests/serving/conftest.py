"""The real serving app over the shared tiny shop: its Feast SQLite online store and MLflow champions."""

from __future__ import annotations

import duckdb
import pytest

KEY = "serving-test-key"
SECOND_KEY = "another-valid-key"


@pytest.fixture(scope="module")
def app_settings(materialized, settings):
    return settings.with_(api_keys=(KEY, SECOND_KEY), model_poll_seconds=0.2)


@pytest.fixture(scope="module")
def client(app_settings):
    from fastapi.testclient import TestClient

    from serving.app import create_app

    with TestClient(create_app(app_settings), raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def auth() -> dict[str, str]:
    return {"X-API-Key": KEY}


@pytest.fixture(scope="module")
def batch_scores(app_settings):
    """The `user_scores` batch asset's table."""
    with duckdb.connect(str(app_settings.paths.warehouse), read_only=True) as con:
        return con.execute("select * from user_scores order by user_id").df()
