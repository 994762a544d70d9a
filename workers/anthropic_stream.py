"""Anthropic's event stream -> OpenAI `chat.completion.chunk` payloads.

Anthropic streams named events (`message_start`, `content_block_start`, `content_block_delta`,
`content_block_stop`, `message_delta`, `message_stop`, `ping`, `error`); OpenAI streams bare
chunks ended by `[DONE]`. The translation keeps OpenAI's order: a role chunk first (sent at
`message_start`, so the gateway's first-byte wait ends as soon as Anthropic starts), content and
tool-call deltas, one chunk with `finish_reason`, then the usage chunk (`choices: []`) when usage
was asked for, then `[DONE]`. Tool calls are numbered among tool calls (OpenAI's `index`), not
among content blocks. An `error` event after the 200 becomes an `UpstreamFailure`, which the
gateway's relay turns into its final error chunk.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import orjson

from workers.anthropic_response import completion_id, finish_reason, openai_usage
from workers.failures import UpstreamFailure
from workers.sse import SSEEvent

DONE = b"[DONE]"
STREAM_ERROR_KINDS = {
    "rate_limit_error": "status_429",
    "overloaded_error": "status_5xx",
    "api_error": "status_5xx",
}


def stream_failure(upstream: str, error: Any) -> UpstreamFailure:
    """A mid-stream `error` event as a failure (kind by Anthropic's error type)."""
    err = error if isinstance(error, dict) else {}
    kind = str(err.get("type") or "api_error")
    label = STREAM_ERROR_KINDS.get(kind, "stream_broken")
    return UpstreamFailure(upstream, label, f"{kind}: {err.get('message') or ''}")


class StreamTranslator:
    """Feed Anthropic events one by one; each call returns the OpenAI payloads to send."""

    def __init__(self, upstream: str, model: str, include_usage: bool) -> None:
        self.upstream = upstream
        self.model = model
        self.include_usage = include_usage
        self.id = completion_id(None)
        self.created = int(time.time())
        self.usage: dict[str, Any] = {}
        self._tools: dict[int, int] = {}  # Anthropic block index -> OpenAI tool call index

    def chunk(self, delta: dict[str, Any], finish: str | None = None) -> bytes:
        obj: dict[str, Any] = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        if self.include_usage:
            obj["usage"] = None
        return orjson.dumps(obj)

    def usage_chunk(self) -> bytes:
        obj = {
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "choices": [],
            "usage": openai_usage(self.usage),
        }
        return orjson.dumps(obj)

    def feed(self, data: dict[str, Any]) -> list[bytes]:
        kind = data.get("type")
        if kind == "message_start":
            message = data.get("message") or {}
            self.id = completion_id(message.get("id"))
            self.usage.update(message.get("usage") or {})
            return [self.chunk({"role": "assistant", "content": "", "refusal": None})]
        if kind == "content_block_start":
            return self._block_start(int(data.get("index") or 0), data.get("content_block") or {})
        if kind == "content_block_delta":
            return self._block_delta(int(data.get("index") or 0), data.get("delta") or {})
        if kind == "message_delta":
            self.usage.update({k: v for k, v in (data.get("usage") or {}).items() if v is not None})
            reason = finish_reason((data.get("delta") or {}).get("stop_reason"))
            return [self.chunk({}, reason)] if reason else []
        if kind == "message_stop":
            return [self.usage_chunk(), DONE] if self.include_usage else [DONE]
        if kind == "error":
            raise stream_failure(self.upstream, data.get("error"))
        return []  # ping, content_block_stop, and event types added later

    def _block_start(self, index: int, block: dict[str, Any]) -> list[bytes]:
        if block.get("type") == "text" and block.get("text"):
            return [self.chunk({"content": block["text"]})]
        if block.get("type") != "tool_use":
            return []  # text starts empty; thinking blocks are not relayed
        position = self._tools[index] = len(self._tools)
        call = {
            "index": position,
            "id": block.get("id"),
            "type": "function",
            "function": {"name": block.get("name"), "arguments": ""},
        }
        return [self.chunk({"tool_calls": [call]})]

    def _block_delta(self, index: int, delta: dict[str, Any]) -> list[bytes]:
        if delta.get("type") == "text_delta":
            return [self.chunk({"content": delta.get("text") or ""})]
        if delta.get("type") == "input_json_delta" and index in self._tools:
            fragment = delta.get("partial_json") or ""
            if not fragment:
                return []
            call = {"index": self._tools[index], "function": {"arguments": fragment}}
            return [self.chunk({"tool_calls": [call]})]
        return []  # thinking, signature and citation deltas are not relayed


async def translate_events(
    events: AsyncIterator[SSEEvent], translator: StreamTranslator
) -> AsyncIterator[bytes]:
    """OpenAI chunk payloads (and a final `[DONE]`) for an Anthropic SSE event stream."""
    async for event in events:
        try:
            data = orjson.loads(event.data)
        except orjson.JSONDecodeError:
            raise UpstreamFailure(
                translator.upstream, "malformed", "stream event is not JSON"
            ) from None
        if not isinstance(data, dict):
            raise UpstreamFailure(translator.upstream, "malformed", "stream event is not an object")
        for payload in translator.feed(data):
            yield payload
            if payload == DONE:
                return
