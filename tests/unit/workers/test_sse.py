"""SSE framing as the OpenAI and Anthropic streams use it."""

from __future__ import annotations

from collections.abc import AsyncIterator

from workers.sse import SSEEvent, iter_sse, iter_sse_data


async def lines(*items: bytes) -> AsyncIterator[bytes]:
    for item in items:
        yield item


async def test_openai_framing_yields_each_data_payload() -> None:
    got = [
        d
        async for d in iter_sse_data(
            lines(
                b'data: {"a":1}\n', b"\n", b'data: {"a":2}\r\n', b"\r\n", b"data: [DONE]\n", b"\n"
            )
        )
    ]
    assert got == [b'{"a":1}', b'{"a":2}', b"[DONE]"]


async def test_event_names_comments_and_multiline_data() -> None:
    got = [
        e
        async for e in iter_sse(
            lines(
                b": keep-alive\n",
                b"\n",
                b"event: message_start\n",
                b'data: {"x":\n',
                b"data: 1}\n",
                b"\n",
                b"id: 3\n",
                b"data:tail-without-blank-line\n",
            )
        )
    ]
    assert got == [
        SSEEvent(b"message_start", b'{"x":\n1}'),
        SSEEvent(None, b"tail-without-blank-line"),
    ]
