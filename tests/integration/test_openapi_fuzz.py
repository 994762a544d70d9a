"""schemathesis against the gateway's own OpenAPI schema, over real HTTP: whatever it sends,
no 5xx and every error in OpenAI's shape."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import Case, Response

from tests.integration.conftest import ALL_LOCAL, Stack


@pytest.fixture
def api_schema(make_stack: Callable[..., Stack]) -> schemathesis.BaseSchema:
    s = make_stack(thresholds=ALL_LOCAL)
    return schemathesis.openapi.from_url(s.root + "/openapi.json")


schema = schemathesis.pytest.from_fixture("api_schema")


def check_openai_error_shape(response: Response) -> None:
    assert response.status_code < 500, f"{response.status_code}: {response.text[:300]}"
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error"}, body
        assert set(body["error"]) == {"message", "type", "param", "code"}, body


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_no_server_errors_and_openai_shaped_errors(case: Case) -> None:
    response = case.call(timeout=20)
    check_openai_error_shape(response)
