"""Talking to one OpenAI-compatible upstream (OpenAI, vLLM, llama.cpp's server, any peer).

The wire is `workers/http1.py`, one keep-alive pool per upstream. Measured on these machines
(DESIGN.md, performance facts; docs/benchmarks.md): a FastAPI proxy adds ~1.0 ms with
httpx.AsyncClient and ~0.3 ms with aiohttp's pooled client, and at c=16 aiohttp's client was
still ~21 % of the gateway's CPU per request; the lean client cut the gateway's CPU per
request by ~20 %.

Failures are split by whose fault they are (workers/failures.py): `UpstreamFailure` lets the
fallback loop try the next target, `RelayedError` goes back to the client.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import orjson

from router.routing import Upstream
from workers.failures import UpstreamFailure, credentials_rejected, relayed_error
from workers.http1 import ConnectFailed, Pool, Response
from workers.sse import iter_sse_data


@dataclass(slots=True)
class Completion:
    body: dict[str, Any]
    raw: bytes


class ChunkStream:
    """An open SSE stream whose first event has already arrived (so it is safe to commit a 200).
    Iterating yields each event's `data` payload as bytes, the first one included; `[DONE]` is
    consumed, not yielded. `complete` turns True once `[DONE]` was seen."""

    def __init__(
        self,
        upstream: str,
        response: Response,
        events: AsyncIterator[bytes],
        first: bytes | None,
        idle_timeout: float,
        on_close: Callable[[], None] | None = None,
    ) -> None:
        self.upstream = upstream
        self._on_close = on_close
        self._response = response
        self._events = events
        self._first = first
        self._idle = idle_timeout
        self.complete = first is None

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            if self._first is None:
                return
            yield self._first
            while True:
                try:
                    async with asyncio.timeout(self._idle):
                        data = await anext(self._events)
                except StopAsyncIteration:
                    raise UpstreamFailure(
                        self.upstream, "stream_broken", "stream ended without [DONE]"
                    ) from None
                except TimeoutError:
                    raise UpstreamFailure(
                        self.upstream, "timeout", f"no chunk for {self._idle:g}s"
                    ) from None
                except ConnectionError as exc:
                    raise UpstreamFailure(self.upstream, "stream_broken", str(exc)) from None
                if data == b"[DONE]":
                    self.complete = True
                    return
                yield data
        finally:
            self._response.close()
            self._closed()

    def close(self) -> None:
        self._response.close()
        self._closed()

    def _closed(self) -> None:
        if self._on_close is not None:
            self._on_close()
            self._on_close = None


class OpenAIUpstream:
    """Client for kinds `openai`, `vllm` and `llamacpp` (all speak /v1/chat/completions)."""

    def __init__(self, name: str, spec: Upstream, api_key: str | None) -> None:
        self.name = name
        self.spec = spec
        self._base_path = urlsplit(spec.base_url).path.rstrip("/")  # e.g. "/v1"
        self._path = self._base_path + "/chat/completions"
        self._headers = {"Content-Type": "application/json", "User-Agent": "tiergate"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        self._pool: Pool | None = None
        self.inflight = 0  # calls under way: a busy single-slot server may miss its probe

    @property
    def pool(self) -> Pool:
        if self._pool is None:  # created lazily, inside the running loop
            self._pool = Pool(
                self.spec.base_url, self.spec.max_connections, self.spec.timeouts.connect
            )
        return self._pool

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None

    def health_path(self) -> str:
        if self.spec.kind == "vllm":
            return self._base_path.removesuffix("/v1") + "/health"
        return self._base_path + "/models"

    async def _get(self, path: str) -> tuple[int, bytes]:
        """GET `path` (from the server's root) within connect + 3 seconds: status and body."""
        async with asyncio.timeout(self.spec.timeouts.connect + 3):
            async with await self.pool.request("GET", path, self._headers) as r:
                return r.status, await r.read()

    async def probe(self) -> bool | None:
        """True = healthy, False = down (refused, error status), None = no answer in time."""
        try:
            status, _ = await self._get(self.health_path())
        except TimeoutError:
            return None
        except (ConnectionError, OSError):
            return False
        return status == 200

    async def get_text(self, path: str) -> str | None:
        """GET a path from the server's root (e.g. vLLM's `/metrics`); None on any failure."""
        try:
            status, raw = await self._get(self._base_path.removesuffix("/v1") + path)
        except (TimeoutError, ConnectionError, OSError):
            return None
        return raw.decode("utf-8", "replace") if status == 200 else None

    async def _post(self, payload: Mapping[str, Any]) -> Response:
        """POST and wait for the status line; 5xx/429 -> UpstreamFailure, 4xx -> RelayedError."""
        try:
            resp = await self.pool.request("POST", self._path, self._headers, orjson.dumps(payload))
        except ConnectFailed as exc:
            raise UpstreamFailure(self.name, "connect", str(exc)) from None
        except (ConnectionError, OSError) as exc:
            raise UpstreamFailure(self.name, "connect", str(exc) or type(exc).__name__) from None
        if resp.status < 400:
            return resp
        async with resp:
            raw = await resp.read()
        if resp.status == 429 or resp.status >= 500:
            kind = "status_429" if resp.status == 429 else "status_5xx"
            raise UpstreamFailure(
                self.name,
                kind,
                raw[:300].decode(errors="replace"),
                status=resp.status,
                retry_after=resp.headers.get("retry-after"),
            )
        if resp.status in (401, 403):
            raise credentials_rejected(self.name, resp.status)
        raise relayed_error(resp.status, raw, resp.headers)

    async def complete(self, payload: Mapping[str, Any]) -> Completion:
        self.inflight += 1
        try:
            return await self._complete(payload)
        finally:
            self.inflight -= 1

    # Hooks a translating subclass (workers/anthropic.py) overrides; the call machinery —
    # timeouts, failure kinds, in-flight accounting — stays here, once.
    def _wire_request(self, payload: Mapping[str, Any]) -> Mapping[str, Any]:
        return payload

    def _completion(self, raw: bytes, payload: Mapping[str, Any]) -> Completion:
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise UpstreamFailure(self.name, "malformed", "answer is not JSON") from None
        if not isinstance(body, dict) or not isinstance(body.get("choices"), list):
            raise UpstreamFailure(self.name, "malformed", "answer has no choices")
        return Completion(body, raw)

    def _stream_events(self, resp: Response, payload: Mapping[str, Any]) -> AsyncIterator[bytes]:
        return iter_sse_data(resp.lines())

    async def _complete(self, payload: Mapping[str, Any]) -> Completion:
        t = self.spec.timeouts
        total = asyncio.get_running_loop().time() + t.total
        try:
            # One timer: first_byte (or total, if sooner) to the status line, then moved to
            # the total deadline for the body, unless the body came with the status line (a
            # small answer does): each timer set or moved costs ~1 % of a request.
            async with asyncio.timeout(min(t.first_byte, t.total)) as deadline:
                resp = await self._post(self._wire_request(payload))
                if not resp.complete:
                    deadline.reschedule(total)
                async with resp:
                    raw = await resp.read()
        except TimeoutError:
            raise UpstreamFailure(self.name, "timeout", "no complete answer in time") from None
        except ConnectionError as exc:
            raise UpstreamFailure(self.name, "stream_broken", str(exc)) from None
        return self._completion(raw, payload)

    async def open_stream(self, payload: Mapping[str, Any]) -> ChunkStream:
        """POST a streaming request and wait for its first event (bounded by first_byte)."""
        self.inflight += 1
        try:
            stream = await self._open_stream(payload)
        except BaseException:
            self.inflight -= 1
            raise
        return stream

    def _stream_closed(self) -> None:
        self.inflight -= 1

    async def _open_stream(self, payload: Mapping[str, Any]) -> ChunkStream:
        t = self.spec.timeouts
        resp: Response | None = None
        try:
            async with asyncio.timeout(t.first_byte):
                resp = await self._post(self._wire_request(payload))
                if not resp.headers.get("content-type", "").startswith("text/event-stream"):
                    raise UpstreamFailure(self.name, "malformed", "stream is not text/event-stream")
                events = self._stream_events(resp, payload)
                first = await anext(events, None)
        except TimeoutError:
            if resp is not None:
                resp.close()
            raise UpstreamFailure(self.name, "timeout", "no first chunk in time") from None
        except ConnectionError as exc:
            if resp is not None:
                resp.close()
            raise UpstreamFailure(self.name, "stream_broken", str(exc)) from None
        except UpstreamFailure:
            if resp is not None:
                resp.close()
            raise
        if first is None:
            resp.close()
            raise UpstreamFailure(self.name, "stream_broken", "stream closed before any chunk")
        if first != b"[DONE]":
            try:
                orjson.loads(first)
            except orjson.JSONDecodeError:
                resp.close()
                raise UpstreamFailure(self.name, "malformed", "first chunk is not JSON") from None
        return ChunkStream(
            self.name,
            resp,
            events,
            None if first == b"[DONE]" else first,
            t.first_byte,
            on_close=self._stream_closed,
        )
