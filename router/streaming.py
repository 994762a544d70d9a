"""Relaying an upstream's SSE stream to the client, chunk by chunk, as OpenAI frames it.

The upstream is always asked for usage (the gateway accounts tokens); its final usage-only chunk
is passed on only if the client asked with `stream_options.include_usage`. A failure after the
200 went out cannot change the status any more, so it is sent as one last
`data: {"error": ...}` chunk followed by `data: [DONE]`, the way vLLM does. A stream's cost is
known only at its end: it follows `[DONE]` as an SSE comment (`: tiergate-cost-usd=...`), which
SSE clients ignore.

Some servers (llama.cpp's) ignore `include_usage`. When a stream ends without usage, the relay
estimates it — completion tokens = content chunks (these servers send one token per chunk),
prompt tokens = request bytes / 4 — and, if the client asked for usage, sends it as the usage
chunk marked `"tiergate": {"usage_estimated": true}`.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from typing import Protocol

import orjson

from router.metrics import Usage
from workers.failures import UpstreamFailure

DONE = b"data: [DONE]\n\n"


def sse(data: bytes) -> bytes:
    return b"data: " + data + b"\n\n"


def error_event(message: str, type_: str = "upstream_error", code: str | None = None) -> bytes:
    body = {"error": {"message": message, "type": type_, "param": None, "code": code}}
    return sse(orjson.dumps(body))


class ChunkSource(Protocol):
    """An upstream stream (workers.upstream.ChunkStream) or a cached one (ReplayStream)."""

    def __aiter__(self) -> AsyncIterator[bytes]: ...
    def close(self) -> None: ...


class ReplayStream:
    """A stored stream's data payloads, replayed in order."""

    def __init__(self, chunks: tuple[bytes, ...]) -> None:
        self._chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self._chunks:
            yield chunk

    def close(self) -> None:
        return None


def usage_of(obj: object) -> Usage | None:
    if not isinstance(obj, dict):
        return None
    usage = obj.get("usage")
    if not isinstance(usage, dict):
        return None
    return Usage(int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0))


class StreamRelay:
    """Iterate to get the client's SSE bytes; afterwards read `usage`, `failure`, `complete`,
    and `first_chunk_at` (perf_counter of the first byte sent)."""

    def __init__(
        self,
        stream: ChunkSource,
        include_usage: bool,
        prompt_bytes: int,
        on_end: Callable[[StreamRelay], str | None],
        collect: bool = False,
    ) -> None:
        self.stream = stream
        self.chunks: list[bytes] | None = [] if collect else None  # for the cache
        self.include_usage = include_usage
        self.usage: Usage | None = None
        self.usage_estimated = False
        self._prompt_bytes = prompt_bytes
        self._content_chunks = 0
        self._last = b""
        self.failure: UpstreamFailure | None = None
        self.complete = False
        self.first_chunk_at: float | None = None
        self._on_end = on_end  # accounts the stream; returns the cost comment to append

    def _pass_on(self, data: bytes) -> bool:
        """Record usage; False for a usage-only chunk the client did not ask for."""
        self._last = data
        if self.chunks is not None:
            self.chunks.append(data)
        if b'"content"' in data:
            self._content_chunks += 1
        if b'"usage"' not in data:
            return True
        try:
            obj = orjson.loads(data)
        except orjson.JSONDecodeError:
            return True
        usage = usage_of(obj)
        if usage is None:
            return True
        self.usage = usage
        return self.include_usage or bool(obj.get("choices"))

    def _estimated_usage_chunk(self) -> bytes | None:
        """Estimate usage the upstream did not send; the chunk to send if the client asked."""
        self.usage_estimated = True
        self.usage = Usage(self._prompt_bytes // 4, self._content_chunks)
        if not self.include_usage:
            return None
        try:
            last = orjson.loads(self._last)
        except orjson.JSONDecodeError:
            last = {}
        p, c = self.usage.prompt_tokens, self.usage.completion_tokens
        chunk = {
            "id": last.get("id"),
            "object": "chat.completion.chunk",
            "created": last.get("created"),
            "model": last.get("model"),
            "choices": [],
            "usage": {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c},
            "tiergate": {"usage_estimated": True},
        }
        return sse(orjson.dumps(chunk))

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for data in self.stream:
                if self._pass_on(data):
                    if self.first_chunk_at is None:
                        self.first_chunk_at = time.perf_counter()
                    yield sse(data)
            if self.usage is None and (extra := self._estimated_usage_chunk()):
                yield extra
            self.complete = True
        except UpstreamFailure as failure:
            self.failure = failure
            yield error_event(
                f"The upstream stream failed: {failure.kind}.", code="upstream_stream_error"
            )
        finally:
            self.stream.close()
            trailer = self._on_end(self)
        yield DONE
        if trailer:
            yield trailer.encode()
