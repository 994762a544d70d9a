"""An OpenAI-compatible upstream double: a small Starlette app speaking the real wire format.

It replays the recorded-format fixtures in `tests/fixtures/openai/` and misbehaves on request
(error statuses, slow first byte, connection reset mid-stream, malformed JSON, hang). It is served
by a real uvicorn on 127.0.0.1 (see `tests/fakes/server.py`), so the client code under test goes
through real sockets.

    with UpstreamDouble() as double:
        double.behaviour = "status:429"
        ...  # point the client at double.url (ends in /v1)
        assert double.received[-1]["model"] == "gpt-4o-mini"

Attributes are plain assignments, read once at the start of each request. That is thread-safe
enough for tests, which set them between requests.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import copy
import re
import secrets
import string
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Final

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from tests.fakes.server import ServerThread

__all__ = [
    "BEHAVIOURS",
    "FIXTURES_DIR",
    "UpstreamDouble",
    "load_fixture",
    "load_stream_fixture",
    "parse_behaviour",
]

FIXTURES_DIR: Final = Path(__file__).resolve().parent.parent / "fixtures" / "openai"

#: The behaviour forms `UpstreamDouble.behaviour` accepts.
BEHAVIOURS: Final = (
    "ok",
    "tool_calls",
    "status:<code>",
    "slow_first_byte:<seconds>",
    "reset_mid_stream",
    "malformed_json",
    "hang",
)

_ERROR_FIXTURES: Final = {
    400: "error_400.json",
    401: "error_401.json",
    429: "error_429.json",
    500: "error_500.json",
}
_POLL_S: Final = 0.02
_ID_ALPHABET: Final = string.ascii_letters + string.digits
_PROMETHEUS_CONTENT_TYPE: Final = "text/plain; version=0.0.4; charset=utf-8"
_DEFAULT_METRICS: Final = """\
# HELP vllm:num_requests_running Number of requests currently running on GPU.
# TYPE vllm:num_requests_running gauge
vllm:num_requests_running{{model_name="{model}"}} 0.0
# HELP vllm:num_requests_waiting Number of requests waiting to be processed.
# TYPE vllm:num_requests_waiting gauge
vllm:num_requests_waiting{{model_name="{model}"}} 0.0
"""
# What api.openai.com answers to a request body that is not JSON.
_UNPARSABLE_BODY_ERROR: Final = orjson.dumps(
    {
        "error": {
            "message": "We could not parse the JSON body of your request. (HINT: This likely "
            "means you aren't using your HTTP library correctly. The OpenAI API expects a JSON "
            "payload, but what was sent was not valid JSON. If you have trouble figuring out how "
            "to fix this, please contact us through our help center at help.openai.com.)",
            "type": "invalid_request_error",
            "param": None,
            "code": None,
        }
    },
    option=orjson.OPT_INDENT_2,
)
# A body that starts like a chat completion and stops mid-string: not JSON.
_MALFORMED_BODY: Final = b'{"id": "chatcmpl-malformed", "object": "chat.completion", "cho'
_MALFORMED_SSE_FRAME: Final = b'data: {"id":"chatcmpl-malformed","object":"chat.compl\n\n'


@cache
def _read_fixture(name: str) -> bytes:
    return (FIXTURES_DIR / name).read_bytes()


def load_fixture(name: str) -> Any:
    """A fresh parsed copy of `tests/fixtures/openai/<name>` (a .json file)."""
    return orjson.loads(_read_fixture(name))


def load_stream_fixture(name: str = "chat_completion_stream.jsonl") -> list[dict[str, Any]]:
    """The chunk objects of a .jsonl stream fixture, in order (last one is the usage chunk)."""
    return [orjson.loads(line) for line in _read_fixture(name).splitlines() if line.strip()]


@dataclass(frozen=True, slots=True)
class Behaviour:
    kind: str
    status: int = 0
    seconds: float = 0.0


def parse_behaviour(text: str) -> Behaviour:
    """Parse and check one behaviour string; ValueError names the forms allowed."""
    kind, _, arg = text.partition(":")
    if kind in ("ok", "tool_calls", "reset_mid_stream", "malformed_json", "hang") and not arg:
        return Behaviour(kind)
    if kind == "status" and arg.isdigit() and 400 <= int(arg) <= 599:
        return Behaviour(kind, status=int(arg))
    if kind == "slow_first_byte":
        try:
            seconds = float(arg)
        except ValueError:
            pass
        else:
            if 0 <= seconds <= 60:
                return Behaviour(kind, seconds=seconds)
    raise ValueError(
        f"unknown upstream double behaviour {text!r}; expected one of {', '.join(BEHAVIOURS)} "
        "(status 400-599, seconds 0-60)"
    )


def _completion_id() -> str:
    return "chatcmpl-" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(29))


def _split_reply(text: str) -> list[str]:
    """Split text into token-like stream pieces ("Hello", " world", "!"), losing nothing."""
    pieces = re.findall(r"\s*\S+", text)
    tail = text[len("".join(pieces)) :]
    if tail:
        if pieces:
            pieces[-1] += tail
        else:
            pieces = [tail]
    return pieces


def _sse(obj: object) -> bytes:
    return b"data: " + orjson.dumps(obj) + b"\n\n"


class _Exchange:
    """One chat request's ASGI plumbing: raw sends, and a watch for the client going away."""

    def __init__(self, receive: Receive, send: Send, closing: threading.Event) -> None:
        self._receive = receive
        self._send = send
        self._closing = closing
        self.client_gone = asyncio.Event()
        self._watcher: asyncio.Task[None] | None = None

    def watch_disconnect(self) -> None:
        """Call once the request body has been read."""
        self._watcher = asyncio.get_running_loop().create_task(self._watch())

    async def _watch(self) -> None:
        while True:
            message = await self._receive()
            if message["type"] == "http.disconnect":
                self.client_gone.set()
                return

    async def aclose(self) -> None:
        if self._watcher is not None and not self._watcher.done():
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher

    async def pause(self, seconds: float) -> bool:
        """Sleep up to `seconds`, less if the client disconnects or the double is shutting
        down. True while the client is still there (so the caller should go on answering)."""
        deadline = time.monotonic() + seconds
        while not (self.client_gone.is_set() or self._closing.is_set()):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            await asyncio.sleep(min(_POLL_S, remaining))
        return not self.client_gone.is_set()

    async def start(self, status: int, headers: Mapping[str, str]) -> None:
        await self._send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()
                ],
            }
        )

    async def body(self, data: bytes, *, more: bool) -> None:
        message: Message = {"type": "http.response.body", "body": data, "more_body": more}
        await self._send(message)

    async def whole(self, status: int, headers: Mapping[str, str], data: bytes) -> None:
        await self.start(status, {**headers, "content-length": str(len(data))})
        await self.body(data, more=False)


class _ChatEndpoint:
    """Raw ASGI endpoint (Starlette mounts non-function endpoints as ASGI apps, and the Route's
    methods=["POST"] still applies), so that a response can be left unfinished on purpose."""

    def __init__(self, double: UpstreamDouble) -> None:
        self._double = double

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        exchange = _Exchange(receive, send, self._double._closing)
        try:
            await self._double._handle_chat(Request(scope, receive), exchange)
        finally:
            await exchange.aclose()


class UpstreamDouble:
    """An OpenAI-compatible upstream on 127.0.0.1, with settable behaviour.

    Settable between requests:
      behaviour          "ok" (default), "tool_calls", "status:<code>", "slow_first_byte:<s>",
                         "reset_mid_stream", "malformed_json", "hang". Checked on assignment.
      healthy            False -> GET /health and GET /v1/models answer 503
      model_name         served by /v1/models, and echoed when a request has no "model"
      reply_text         replaces the fixture's assistant text (stream and non-stream)
      usage              replaces the fixture's usage object (non-stream and the usage chunk)
      stream_chunk_delay seconds between stream frames (default 0)
      hang_seconds       how long "hang" holds a request at most (default 30)
      metrics_text       body of GET /metrics (Prometheus text); see also set_metrics()
      extra_headers      added to every chat answer (e.g. {"retry-after": "1"})
    Recorded:
      received           parsed JSON body of every chat request, in order
      received_headers   their headers (lower-case names)
      hits               Counter of "METHOD /path" over every route
    """

    def __init__(
        self,
        *,
        model_name: str = "tiergate-double",
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self._behaviour = parse_behaviour("ok")
        self._queued: collections.deque[Behaviour] = collections.deque()
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self.healthy: bool = True
        self.model_name: str = model_name
        self.reply_text: str | None = None
        self.usage: dict[str, Any] | None = None
        self.stream_chunk_delay: float = 0.0
        self.hang_seconds: float = 30.0
        self.metrics_text: str = _DEFAULT_METRICS.format(model=model_name)
        self.extra_headers: dict[str, str] = {}
        self.received: list[dict[str, Any]] = []
        self.received_headers: list[dict[str, str]] = []
        self.hits: collections.Counter[str] = collections.Counter()
        self.app = Starlette(
            routes=[
                Route("/v1/chat/completions", _ChatEndpoint(self), methods=["POST"]),
                Route("/v1/models", self._models, methods=["GET"]),
                Route("/health", self._health, methods=["GET"]),
                Route("/metrics", self._metrics, methods=["GET"]),
            ]
        )
        self._server = ServerThread(self.app, host, port)
        self._started = False

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self, timeout: float = 10.0) -> UpstreamDouble:
        if self._started:
            raise RuntimeError("UpstreamDouble already started")
        self._server.start(timeout)
        self._started = True
        return self

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving. Requests held by "hang" or "slow_first_byte" are let go first."""
        self._closing.set()
        if self._started:
            self._server.stop(timeout)

    def __enter__(self) -> UpstreamDouble:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:<port>`: the server root (/health, /metrics live here)."""
        if not self._started:
            raise RuntimeError("UpstreamDouble not started")
        return self._server.url

    @property
    def url(self) -> str:
        """`http://127.0.0.1:<port>/v1`: what an OpenAI client takes as base_url."""
        return self.base_url + "/v1"

    # -- settings ----------------------------------------------------------------------------

    @property
    def behaviour(self) -> str:
        b = self._behaviour
        if b.kind == "status":
            return f"status:{b.status}"
        if b.kind == "slow_first_byte":
            return f"slow_first_byte:{b.seconds:g}"
        return b.kind

    @behaviour.setter
    def behaviour(self, value: str) -> None:
        self._behaviour = parse_behaviour(value)

    def queue_behaviours(self, *behaviours: str) -> None:
        """Behaviours for the next chat requests, one each, before `behaviour` applies again.
        E.g. queue_behaviours("status:500", "status:500") then ok: a retry test."""
        parsed = [parse_behaviour(b) for b in behaviours]
        with self._lock:
            self._queued.extend(parsed)

    def set_metrics(self, values: Mapping[str, float]) -> None:
        """Make /metrics serve these gauges, e.g. {"vllm:num_requests_waiting": 12}."""
        lines: list[str] = []
        for name, value in values.items():
            lines += [f"# TYPE {name} gauge", f'{name}{{model_name="{self.model_name}"}} {value}']
        self.metrics_text = "\n".join(lines) + "\n"

    def reset(self) -> None:
        """Back to defaults and empty records (the server keeps running)."""
        with self._lock:
            self._queued.clear()
        self._behaviour = parse_behaviour("ok")
        self.healthy = True
        self.reply_text = None
        self.usage = None
        self.stream_chunk_delay = 0.0
        self.hang_seconds = 30.0
        self.metrics_text = _DEFAULT_METRICS.format(model=self.model_name)
        self.extra_headers = {}
        self.received.clear()
        self.received_headers.clear()
        self.hits.clear()

    @property
    def last_request(self) -> dict[str, Any]:
        if not self.received:
            raise AssertionError("the upstream double has received no chat request")
        return self.received[-1]

    # -- simple routes -----------------------------------------------------------------------

    async def _models(self, request: Request) -> Response:
        self.hits["GET /v1/models"] += 1
        if not self.healthy:
            return JSONResponse(load_fixture("error_500.json"), status_code=503)
        return JSONResponse(
            {
                "object": "list",
                "data": [
                    {
                        "id": self.model_name,
                        "object": "model",
                        "created": 1753423143,
                        "owned_by": "tiergate-tests",
                    }
                ],
            }
        )

    async def _health(self, request: Request) -> Response:
        self.hits["GET /health"] += 1
        if not self.healthy:
            return JSONResponse({"status": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    async def _metrics(self, request: Request) -> Response:
        self.hits["GET /metrics"] += 1
        return PlainTextResponse(self.metrics_text, media_type=_PROMETHEUS_CONTENT_TYPE)

    # -- chat --------------------------------------------------------------------------------

    def _next_behaviour(self) -> Behaviour:
        with self._lock:
            if self._queued:
                return self._queued.popleft()
        return self._behaviour

    async def _handle_chat(self, request: Request, ex: _Exchange) -> None:
        self.hits["POST /v1/chat/completions"] += 1
        raw = await request.body()
        ex.watch_disconnect()
        try:
            parsed = orjson.loads(raw)
        except orjson.JSONDecodeError:
            parsed = None
        body: dict[str, Any] = (
            parsed
            if isinstance(parsed, dict)
            else {"__invalid_json__": raw.decode("utf-8", "replace")}
        )
        self.received.append(body)
        self.received_headers.append({k.lower(): v for k, v in request.headers.items()})

        behaviour = self._next_behaviour()
        headers = {"x-request-id": "req_" + secrets.token_hex(16), **self.extra_headers}
        json_headers = {**headers, "content-type": "application/json"}
        if not isinstance(parsed, dict):
            await ex.whole(400, json_headers, _UNPARSABLE_BODY_ERROR)
            return

        requested = body.get("model")
        model = requested if isinstance(requested, str) else self.model_name
        stream = body.get("stream") is True
        options = body.get("stream_options")
        include_usage = isinstance(options, dict) and options.get("include_usage") is True
        kind = behaviour.kind

        if kind == "hang":
            # Held until hang_seconds pass, the client goes away or the double stops. Then a
            # 504, as a proxy in front of a stuck server would answer (if anyone is listening).
            if not await ex.pause(self.hang_seconds):
                self.hits["client disconnected"] += 1
            else:
                error = {
                    "error": {
                        "message": "upstream double: hung, then gave up",
                        "type": "server_error",
                        "param": None,
                        "code": None,
                    }
                }
                await ex.whole(504, json_headers, orjson.dumps(error))
            return
        if kind == "slow_first_byte":
            if not await ex.pause(behaviour.seconds):
                return
            kind = "ok"
        if kind == "status":
            name = _ERROR_FIXTURES.get(behaviour.status) or (
                "error_500.json" if behaviour.status >= 500 else "error_400.json"
            )
            await ex.whole(behaviour.status, json_headers, _read_fixture(name))
            return
        if kind == "tool_calls" and stream:
            error = {
                "error": {
                    "message": "upstream double: streamed tool calls are not supported",
                    "type": "invalid_request_error",
                    "param": "stream",
                    "code": None,
                }
            }
            await ex.whole(501, json_headers, orjson.dumps(error))
            return

        if not stream:
            completion = self._completion(model, tool_calls=kind == "tool_calls")
            data = orjson.dumps(completion, option=orjson.OPT_INDENT_2)
            if kind == "malformed_json":
                await ex.whole(200, json_headers, _MALFORMED_BODY)
            elif kind == "reset_mid_stream":
                # Headers promise a body, then the connection closes: a truncated response.
                await ex.start(200, {**json_headers, "content-length": str(len(data))})
            else:
                await ex.whole(200, json_headers, data)
            return

        sse_headers = {
            **headers,
            "content-type": "text/event-stream; charset=utf-8",
            "cache-control": "no-cache",
        }
        frames = [_sse(chunk) for chunk in self._chunks(model, include_usage)]
        frames.append(b"data: [DONE]\n\n")
        if kind == "malformed_json":
            frames = [_MALFORMED_SSE_FRAME, b"data: [DONE]\n\n"]
        elif kind == "reset_mid_stream":
            frames = frames[:2]
        await ex.start(200, sse_headers)
        for i, frame in enumerate(frames):
            if i and self.stream_chunk_delay > 0 and not await ex.pause(self.stream_chunk_delay):
                return
            await ex.body(frame, more=True)
        if kind == "reset_mid_stream":
            # Returning without the final body message makes uvicorn close the transport, so
            # the client sees the chunked body end early (no terminating chunk, no [DONE]).
            # uvicorn logs "ASGI callable returned without completing response." for it.
            return
        await ex.body(b"", more=False)

    def _completion(self, model: str, *, tool_calls: bool) -> dict[str, Any]:
        fixture = "chat_completion_tool_call.json" if tool_calls else "chat_completion.json"
        completion: dict[str, Any] = load_fixture(fixture)
        completion["id"] = _completion_id()
        completion["created"] = int(time.time())
        completion["model"] = model
        if self.reply_text is not None and not tool_calls:
            completion["choices"][0]["message"]["content"] = self.reply_text
        if self.usage is not None:
            completion["usage"] = copy.deepcopy(self.usage)
        return completion

    def _chunks(self, model: str, include_usage: bool) -> list[dict[str, Any]]:
        recorded = load_stream_fixture()
        role_chunk, usage_chunk = recorded[0], recorded[-1]
        finish_chunk = recorded[-2]
        content_chunks = recorded[1:-2]
        if self.reply_text is not None:
            template = content_chunks[0]
            content_chunks = []
            for piece in _split_reply(self.reply_text):
                chunk = copy.deepcopy(template)
                chunk["choices"][0]["delta"] = {"content": piece}
                content_chunks.append(chunk)
        if self.usage is not None:
            usage_chunk["usage"] = copy.deepcopy(self.usage)
        chunks = [role_chunk, *content_chunks, finish_chunk]
        if include_usage:
            chunks.append(usage_chunk)
        completion_id, created = _completion_id(), int(time.time())
        for chunk in chunks:
            chunk["id"] = completion_id
            chunk["created"] = created
            chunk["model"] = model
            if not include_usage:
                chunk.pop("usage", None)
        return chunks
