"""Every error renders as openai-python's ErrorObject with the status its class owns."""

from __future__ import annotations

import orjson
import pytest

from router.errors import (
    AuthenticationError,
    GatewayError,
    InvalidRequestError,
    ModelNotFoundError,
    NoHealthyUpstreamError,
    PermissionDeniedError,
    RateLimitError,
    RelayedError,
    RequestTooLargeError,
    UpstreamError,
    UpstreamTimeoutError,
    render,
)


@pytest.mark.parametrize(
    ("exc", "status", "type_", "code"),
    [
        (InvalidRequestError("x"), 400, "invalid_request_error", None),
        (RequestTooLargeError("x"), 413, "invalid_request_error", "request_too_large"),
        (AuthenticationError("x"), 401, "authentication_error", "invalid_api_key"),
        (PermissionDeniedError("x"), 403, "permission_error", "model_not_allowed"),
        (ModelNotFoundError("x"), 404, "invalid_request_error", "model_not_found"),
        (RateLimitError("x"), 429, "rate_limit_error", "rate_limit_exceeded"),
        (UpstreamError("x"), 502, "upstream_error", "all_upstreams_failed"),
        (UpstreamTimeoutError("x"), 504, "upstream_error", "upstream_timeout"),
        (NoHealthyUpstreamError("x"), 503, "upstream_error", "no_healthy_upstream"),
        (GatewayError("x"), 500, "server_error", None),
    ],
)
def test_render_shape_and_status(
    exc: GatewayError, status: int, type_: str, code: str | None
) -> None:
    response = render(exc)
    assert response.status_code == status
    body = orjson.loads(response.body)
    assert body == {"error": {"message": "x", "type": type_, "param": None, "code": code}}


def test_instance_code_and_param_override_and_headers_pass() -> None:
    exc = RateLimitError("slow down", param="model", code="tpm", headers={"Retry-After": "3"})
    response = render(exc, {"x-request-id": "r1"})
    assert orjson.loads(response.body)["error"] == {
        "message": "slow down",
        "type": "rate_limit_error",
        "param": "model",
        "code": "tpm",
    }
    assert response.headers["retry-after"] == "3" and response.headers["x-request-id"] == "r1"


def test_relayed_error_keeps_upstream_status_and_type() -> None:
    exc = RelayedError(
        422, "bad temperature", type_="BadRequestError", param="temperature", code=None
    )
    response = render(exc)
    assert response.status_code == 422
    assert orjson.loads(response.body)["error"]["type"] == "BadRequestError"
