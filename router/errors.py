"""One error hierarchy, one JSON shape.

Every error a client can see is a `GatewayError`: its class owns the HTTP status, the OpenAI
error `type` and the `code`, and `render()` turns it into `{"error": {message, type, param,
code}}` — the shape openai-python parses into its typed exceptions (it picks the exception class
from the HTTP status, so the status must be right). `ConfigError` is the start-up twin: it stops
the process with a message instead of reaching a client.
"""

from __future__ import annotations

from typing import Any, ClassVar

import orjson
from starlette.responses import Response

UNEXPECTED = "The gateway hit an unexpected error; it has been logged."


class TiergateError(Exception):
    """Base of everything tiergate raises on purpose."""


class ConfigError(TiergateError):
    """Bad settings or routing file: start-up stops and prints the message."""


class GatewayError(TiergateError):
    status_code: ClassVar[int] = 500
    type: ClassVar[str] = "server_error"
    code: ClassVar[str | None] = None

    def __init__(
        self,
        message: str,
        *,
        param: str | None = None,
        code: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.instance_code = code
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.instance_code if self.instance_code is not None else self.code,
            }
        }


class InvalidRequestError(GatewayError):
    status_code = 400
    type = "invalid_request_error"


class RequestTooLargeError(InvalidRequestError):
    status_code = 413
    code = "request_too_large"


class AuthenticationError(GatewayError):
    status_code = 401
    type = "authentication_error"
    code = "invalid_api_key"


class PermissionDeniedError(GatewayError):
    status_code = 403
    type = "permission_error"
    code = "model_not_allowed"


class ModelNotFoundError(GatewayError):
    status_code = 404
    type = "invalid_request_error"
    code = "model_not_found"


class NotFoundError(GatewayError):
    status_code = 404
    type = "invalid_request_error"
    code = "not_found"


class MethodNotAllowedError(GatewayError):
    status_code = 405
    type = "invalid_request_error"
    code = "method_not_allowed"


class RateLimitError(GatewayError):
    status_code = 429
    type = "rate_limit_error"
    code = "rate_limit_exceeded"


class UpstreamError(GatewayError):
    """Every target failed (5xx, connection error, malformed answer)."""

    status_code = 502
    type = "upstream_error"
    code = "all_upstreams_failed"


class UpstreamTimeoutError(UpstreamError):
    status_code = 504
    code = "upstream_timeout"


class NoHealthyUpstreamError(GatewayError):
    """Fail closed: nothing allowed to serve this request is up (e.g. sensitive, local down)."""

    status_code = 503
    type = "upstream_error"
    code = "no_healthy_upstream"


class RelayedError(GatewayError):
    """An upstream's own 4xx, relayed with its status and message (the client's fault)."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type_: str,
        param: str | None,
        code: str | None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message, param=param, code=code, headers=headers)
        self.relayed_status = status
        self.relayed_type = type_

    def body(self) -> dict[str, Any]:
        body = super().body()
        body["error"]["type"] = self.relayed_type
        return body


def status_of(exc: GatewayError) -> int:
    return exc.relayed_status if isinstance(exc, RelayedError) else exc.status_code


def render(exc: GatewayError, headers: dict[str, str] | None = None) -> Response:
    """The JSON response for an error, with the error's own headers (e.g. Retry-After)."""
    return Response(
        orjson.dumps(exc.body()),
        status_code=status_of(exc),
        media_type="application/json",
        headers={**exc.headers, **(headers or {})},
    )
