"""Anthropic event streams -> OpenAI chunk payloads (the recorded-format fixtures)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from tests.fakes.anthropic import sse_events
from workers.anthropic_stream import StreamTranslator, translate_events
from workers.failures import UpstreamFailure
from workers.sse import iter_sse


async def _lines(name: str) -> AsyncIterator[bytes]:
    for event in sse_events(name):
        for line in event.splitlines(keepends=True):
            yield line


async def translate(name: str, include_usage: bool = True) -> list[Any]:
    translator = StreamTranslator("claude", "claude-sonnet-4-5", include_usage)
    out = [p async for p in translate_events(iter_sse(_lines(name)), translator)]
    assert out[-1] == b"[DONE]"
    return [json.loads(p) for p in out[:-1]]


async def test_text_stream_becomes_openai_chunks_with_usage_last() -> None:
    chunks = await translate("stream.sse")
    assert {c["id"] for c in chunks} == {"chatcmpl-msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY"}
    assert {c["object"] for c in chunks} == {"chat.completion.chunk"}
    deltas = [c["choices"][0]["delta"] for c in chunks[:-1]]
    assert deltas[0] == {"role": "assistant", "content": "", "refusal": None}
    assert "".join(d.get("content", "") for d in deltas) == "Hello!"
    assert [c["choices"][0]["finish_reason"] for c in chunks[:-1]] == [None, None, None, "stop"]
    assert all(c["usage"] is None for c in chunks[:-1])
    assert chunks[-1]["choices"] == []
    assert chunks[-1]["usage"] == {
        "prompt_tokens": 25,
        "completion_tokens": 15,
        "total_tokens": 40,
        "prompt_tokens_details": {"cached_tokens": 0},
    }


async def test_without_include_usage_there_is_no_usage_anywhere() -> None:
    chunks = await translate("stream.sse", include_usage=False)
    assert all(c["choices"] and "usage" not in c for c in chunks)


async def test_tool_use_stream_becomes_tool_call_deltas() -> None:
    chunks = await translate("stream_tool_use.sse")
    calls = [
        tc for c in chunks if c["choices"] for tc in c["choices"][0]["delta"].get("tool_calls", [])
    ]
    assert calls[0] == {
        "index": 0,
        "id": "toolu_01T1x1fJ34qAmk2tNTrN7Up6",
        "type": "function",
        "function": {"name": "get_weather", "arguments": ""},
    }
    assert all(set(tc) == {"index", "function"} and tc["index"] == 0 for tc in calls[1:])
    arguments = "".join(tc["function"]["arguments"] for tc in calls)
    assert json.loads(arguments) == {"location": "San Francisco, CA", "unit": "fahrenheit"}
    assert chunks[-2]["choices"][0]["finish_reason"] == "tool_calls"
    assert chunks[-1]["usage"]["completion_tokens"] == 89


async def test_second_tool_block_gets_the_next_tool_index() -> None:
    t = StreamTranslator("claude", "m", False)
    t.feed({"type": "message_start", "message": {"id": "msg_1", "usage": {}}})
    t.feed(
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}
    )
    first = t.feed(
        {
            "type": "content_block_start",
            "index": 1,
            "content_block": {"type": "tool_use", "id": "a", "name": "f"},
        }
    )
    second = t.feed(
        {
            "type": "content_block_start",
            "index": 2,
            "content_block": {"type": "tool_use", "id": "b", "name": "g"},
        }
    )
    frag = t.feed(
        {
            "type": "content_block_delta",
            "index": 2,
            "delta": {"type": "input_json_delta", "partial_json": "{}"},
        }
    )
    index = [
        json.loads(c[0])["choices"][0]["delta"]["tool_calls"][0]["index"]
        for c in (first, second, frag)
    ]
    assert index == [0, 1, 1]


async def test_error_event_mid_stream_is_an_upstream_failure() -> None:
    with pytest.raises(UpstreamFailure) as caught:
        await translate("stream_error.sse")
    assert caught.value.kind == "status_5xx"
    assert "overloaded_error" in caught.value.detail


async def test_malformed_event_is_an_upstream_failure() -> None:
    async def lines() -> AsyncIterator[bytes]:
        yield b"event: message_start\n"
        yield b"data: {not json\n\n"

    translator = StreamTranslator("claude", "m", True)
    with pytest.raises(UpstreamFailure) as caught:
        _ = [p async for p in translate_events(iter_sse(lines()), translator)]
    assert caught.value.kind == "malformed"
