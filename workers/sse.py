"""Server-sent events, read off an aiohttp body: the framing the OpenAI and Anthropic streams use.

Only the fields those streams use are kept (`event`, `data`); comments (`:` lines), `id` and
`retry` are skipped. Multi-line `data` fields are joined with newlines, as the SSE spec says.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SSEEvent:
    event: bytes | None
    data: bytes


async def iter_sse(lines: AsyncIterable[bytes]) -> AsyncIterator[SSEEvent]:
    event: bytes | None = None
    data: list[bytes] = []
    async for raw in lines:
        line = raw.rstrip(b"\r\n")
        if not line:
            if data:
                yield SSEEvent(event, b"\n".join(data))
            event, data = None, []
            continue
        field, _, value = line.partition(b":")
        if value.startswith(b" "):
            value = value[1:]
        if field == b"data":
            data.append(value)
        elif field == b"event":
            event = value
    if data:  # a last event without its blank line
        yield SSEEvent(event, b"\n".join(data))


async def iter_sse_data(lines: AsyncIterable[bytes]) -> AsyncIterator[bytes]:
    """Just the `data` payload of each event (OpenAI-style streams carry no event names)."""
    async for ev in iter_sse(lines):
        yield ev.data
