"""An Anthropic Messages API double: a small Starlette app speaking Anthropic's wire format.

It replays the fixtures in `tests/fixtures/anthropic/` (JSON messages, SSE event streams, error
bodies) from a real uvicorn on 127.0.0.1, and records every request body and its headers, so
tests can check both what the gateway sent and what it made of the answer.

    with AnthropicDouble() as double:
        double.behaviour = "tool_use"
        ...  # point a `kind: anthropic` upstream at double.url (ends in /v1)
        assert double.last_request["max_tokens"] == 4096

Like the real API it insists on `x-api-key`, `anthropic-version` and `max_tokens`.
"""

from __future__ import annotations

import asyncio
import collections
from collections.abc import AsyncIterator
from functools import cache
from pathlib import Path
from typing import Any, Final

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from tests.fakes.server import ServerThread

__all__ = ["BEHAVIOURS", "FIXTURES_DIR", "AnthropicDouble", "load_fixture", "sse_events"]

FIXTURES_DIR: Final = Path(__file__).resolve().parent.parent / "fixtures" / "anthropic"

#: What `AnthropicDouble.behaviour` accepts.
BEHAVIOURS: Final = ("ok", "tool_use", "status:<code>", "stream_error", "malformed_json")

_ERROR_TYPES: Final = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    529: "overloaded_error",
}


@cache
def _read(name: str) -> bytes:
    return (FIXTURES_DIR / name).read_bytes()


def load_fixture(name: str) -> Any:
    """A fresh parsed copy of a .json fixture."""
    return orjson.loads(_read(name))


def sse_events(name: str) -> list[bytes]:
    """The events of an .sse fixture, each framed `event: ...\\ndata: ...\\n\\n`."""
    blocks = _read(name).decode().replace("\r\n", "\n").split("\n\n")
    return [block.strip("\n").encode() + b"\n\n" for block in blocks if block.strip()]


def error_body(status: int) -> bytes:
    """The error fixture for `status`, or one in the same shape for other statuses."""
    if (FIXTURES_DIR / f"error_{status}.json").exists():
        return _read(f"error_{status}.json")
    kind = _ERROR_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")
    body = {"type": "error", "error": {"type": kind, "message": f"double: HTTP {status}"}}
    return orjson.dumps(body)


def _check_behaviour(text: str) -> str:
    kind, _, arg = text.partition(":")
    if kind in ("ok", "tool_use", "stream_error", "malformed_json") and not arg:
        return text
    if kind == "status" and arg.isdigit() and 400 <= int(arg) <= 599:
        return text
    raise ValueError(f"unknown Anthropic double behaviour {text!r}; expected one of {BEHAVIOURS}")


class AnthropicDouble:
    """`POST /v1/messages` and `GET /v1/models` on 127.0.0.1, with settable behaviour.

    behaviour         "ok" (default), "tool_use", "status:<code>", "stream_error" (a stream
                      that breaks with `event: error`), "malformed_json". Checked on assignment.
    received          the JSON bodies of every /v1/messages request, in order
    received_headers  their headers, lower-cased names
    hits              Counter of "METHOD /path"
    """

    def __init__(self, *, model_name: str = "claude-sonnet-4-5", chunk_delay: float = 0.0) -> None:
        self._behaviour = "ok"
        self.model_name = model_name
        self.chunk_delay = chunk_delay
        self.received: list[dict[str, Any]] = []
        self.received_headers: list[dict[str, str]] = []
        self.hits: collections.Counter[str] = collections.Counter()
        self.app = Starlette(
            routes=[
                Route("/v1/messages", self._messages, methods=["POST"]),
                Route("/v1/models", self._models, methods=["GET"]),
            ]
        )
        self._server = ServerThread(self.app)

    @property
    def behaviour(self) -> str:
        return self._behaviour

    @behaviour.setter
    def behaviour(self, value: str) -> None:
        self._behaviour = _check_behaviour(value)

    def __enter__(self) -> AnthropicDouble:
        self._server.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.stop()

    @property
    def url(self) -> str:
        """`http://127.0.0.1:<port>/v1`: the base_url of a `kind: anthropic` upstream."""
        return self._server.url + "/v1"

    @property
    def last_request(self) -> dict[str, Any]:
        if not self.received:
            raise AssertionError("the Anthropic double has received no request")
        return self.received[-1]

    async def _models(self, request: Request) -> Response:
        self.hits["GET /v1/models"] += 1
        if "x-api-key" not in request.headers:
            return Response(error_body(401), 401, media_type="application/json")
        model = {
            "type": "model",
            "id": self.model_name,
            "display_name": "Claude (double)",
            "created_at": "2025-09-29T00:00:00Z",
        }
        body = {"data": [model], "has_more": False, "first_id": model["id"], "last_id": model["id"]}
        return JSONResponse(body)

    async def _messages(self, request: Request) -> Response:
        self.hits["POST /v1/messages"] += 1
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            body = {"__invalid_json__": True}
        self.received.append(body)
        self.received_headers.append({k.lower(): v for k, v in request.headers.items()})
        behaviour = self._behaviour
        if "x-api-key" not in request.headers:
            return self._error(401)
        if "anthropic-version" not in request.headers or "max_tokens" not in body:
            return self._error(400)
        if behaviour.startswith("status:"):
            return self._error(int(behaviour.partition(":")[2]))
        if body.get("stream") is True:
            name = {"tool_use": "stream_tool_use.sse", "stream_error": "stream_error.sse"}
            return StreamingResponse(
                self._replay(name.get(behaviour, "stream.sse")), media_type="text/event-stream"
            )
        if behaviour == "malformed_json":
            return Response(b'{"id": "msg_x", "type": "mess', media_type="application/json")
        fixture = "message_tool_use.json" if behaviour == "tool_use" else "message.json"
        message = load_fixture(fixture)
        message["model"] = body.get("model") or self.model_name
        return JSONResponse(message)

    def _error(self, status: int) -> Response:
        headers = {"request-id": "req_double", "retry-after": "1"} if status == 429 else {}
        return Response(error_body(status), status, headers, media_type="application/json")

    async def _replay(self, name: str) -> AsyncIterator[bytes]:
        for i, event in enumerate(sse_events(name)):
            if i and self.chunk_delay:
                await asyncio.sleep(self.chunk_delay)
            yield event
