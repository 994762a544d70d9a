"""A non-streaming call's two bounds: `first_byte` to the status line, `total` to the last byte.

The server is a real TCP server on 127.0.0.1 that writes a raw HTTP/1.1 answer on a schedule,
so the client under test is exactly the one the gateway uses.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from router.routing import Timeouts, Upstream
from tests.fakes.raw_http import Handler, Server, read_request, serve
from workers.failures import UpstreamFailure
from workers.upstream import OpenAIUpstream

BODY = b'{"id":"x","object":"chat.completion","choices":[]}'
HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(
    BODY
)


def scheduled(head_after: float, body_after: float | None) -> Handler:
    """Answers one request: the status line and headers after `head_after` seconds, the body
    `body_after` seconds later (never, if None)."""

    async def handler(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, stats: Server
    ) -> None:
        await read_request(reader, stats)
        await asyncio.sleep(head_after)
        writer.write(HEAD)
        await writer.drain()
        await asyncio.sleep(30 if body_after is None else body_after)
        writer.write(BODY)
        await writer.drain()

    return handler


def client(base_url: str, first_byte: float, total: float) -> OpenAIUpstream:
    spec = Upstream(
        kind="openai",
        base_url=base_url,
        timeouts=Timeouts(connect=1.0, first_byte=first_byte, total=total),
    )
    return OpenAIUpstream("double", spec, None)


async def call(head_after: float, body_after: float | None) -> tuple[object, float]:
    async with serve(scheduled(head_after, body_after)) as (url, _):
        upstream = client(url, first_byte=0.3, total=0.9)
        started = time.monotonic()
        try:
            result: object = await upstream.complete({"model": "m", "messages": []})
        except UpstreamFailure as failure:
            result = failure
        finally:
            await upstream.close()
        return result, time.monotonic() - started


async def test_no_status_line_within_first_byte_is_a_timeout() -> None:
    result, seconds = await call(head_after=5.0, body_after=0.0)
    assert isinstance(result, UpstreamFailure) and result.kind == "timeout"
    assert 0.25 < seconds < 0.8  # first_byte (0.3), well before total (0.9)


async def test_the_body_may_take_longer_than_first_byte_but_not_than_total() -> None:
    # Headers at 0.1 s, the body at 0.6 s: past first_byte, within total.
    result, _ = await call(head_after=0.1, body_after=0.5)
    assert not isinstance(result, UpstreamFailure), result
    # Headers at 0.1 s, then no body: the call ends at total.
    result, seconds = await call(head_after=0.1, body_after=None)
    assert isinstance(result, UpstreamFailure) and result.kind == "timeout"
    assert 0.8 < seconds < 2.0


@pytest.mark.parametrize("first_byte", [0.3, 5.0])
async def test_total_shorter_than_first_byte_bounds_the_wait_for_headers(first_byte: float) -> None:
    async with serve(scheduled(head_after=5.0, body_after=0.0)) as (url, _):
        upstream = client(url, first_byte=first_byte, total=0.4)
        started = time.monotonic()
        with pytest.raises(UpstreamFailure) as info:
            await upstream.complete({"model": "m", "messages": []})
        await upstream.close()
    assert info.value.kind == "timeout" and time.monotonic() - started < 1.0
