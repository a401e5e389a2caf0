"""The whole API fuzzed from its own OpenAPI document (schemathesis strategies driven by hypothesis): valid and
invalid requests to every operation, with and without the key; none gets a 5xx or a stack trace.

(schemathesis' pytest plugin does not run under pytest 9; its strategies are used directly.)"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.serving.conftest import KEY

pytestmark = pytest.mark.slow
EXAMPLES = 40  # per operation and mode


@pytest.fixture(scope="module")
def operations(client):
    """Every operation of the app's schema; `client` has run its start-up, so calls reach a loaded service."""
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    return [result.ok() for result in schema.get_all_operations()]


@pytest.mark.parametrize("mode", [schemathesis.GenerationMode.POSITIVE, schemathesis.GenerationMode.NEGATIVE])
def test_no_generated_request_gets_a_server_error(operations, mode):
    assert len(operations) == 6
    for operation in operations:
        if mode is schemathesis.GenerationMode.NEGATIVE and not (operation.body or operation.path_parameters or operation.query):
            continue  # /health and /ready take nothing that could be invalid

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def call(case):
            for headers in ({"X-API-Key": KEY}, {}):
                response = case.call(headers=headers)
                assert response.status_code < 500, (case.as_curl_command(), response.text[:500])
                assert "Traceback" not in response.text

        call()
