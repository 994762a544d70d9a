"""Upstream 4xx bodies, in every shape servers send, become one OpenAI-shaped error."""

from __future__ import annotations

import orjson
import pytest

from workers.failures import relayed_error


@pytest.mark.parametrize(
    ("status", "body", "message", "type_"),
    [
        (
            400,
            {
                "error": {
                    "message": "bad",
                    "type": "invalid_request_error",
                    "param": "n",
                    "code": "x",
                }
            },
            "bad",
            "invalid_request_error",
        ),
        (
            400,
            {"object": "error", "message": "too long", "type": "BadRequestError", "code": 400},
            "too long",
            "invalid_request_error",
        ),  # vLLM's flat shape
        (404, {"error": "no such model"}, "no such model", "invalid_request_error"),
        (403, {"error": {"message": "nope", "type": "Forbidden"}}, "nope", "permission_error"),
        (422, b"plain text failure", "plain text failure", "invalid_request_error"),
    ],
)
def test_shapes_map_to_openai_errors(status: int, body: object, message: str, type_: str) -> None:
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    err = relayed_error(status, raw, {"Retry-After": "2", "X-Other": "y"})
    rendered = err.body()["error"]
    assert (err.relayed_status, rendered["message"], rendered["type"]) == (status, message, type_)
    assert rendered["code"] in (None, "x")  # a numeric status in `code` is dropped
    assert err.headers == {"Retry-After": "2"}
