"""The gateway as a separate process under a bounded load, with Redis dying under it, and
shutting down on SIGTERM. Everything on 127.0.0.1, bounded in count and time."""

from __future__ import annotations

import asyncio
import signal
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import aiohttp

from tests.fakes.redis_server import RedisServer
from tests.fakes.upstream import UpstreamDouble
from tests.integration.conftest import routing_for
from tests.integration.gateway_process import gateway_process, rss_bytes


def routing_doc(local: UpstreamDouble, hosted: UpstreamDouble) -> dict[str, Any]:
    doc = routing_for(local, hosted).model_dump(mode="json", exclude_defaults=True)
    doc["thresholds"] = {"difficulty": 1.0, "sensitivity": 0.5}
    return doc


async def burst(
    url: str, n: int, concurrency: int, body: Callable[[int], dict[str, Any]]
) -> Counter[int]:
    statuses: Counter[int] = Counter()
    sem = asyncio.Semaphore(concurrency)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(
        timeout=timeout, connector=aiohttp.TCPConnector(limit=concurrency)
    ) as s:

        async def one(i: int) -> None:
            async with sem, s.post(url + "/chat/completions", json=body(i)) as resp:
                await resp.read()
                statuses[resp.status] += 1

        await asyncio.gather(*(one(i) for i in range(n)))
    return statuses


def question(i: int) -> dict[str, Any]:
    return {
        "model": "auto",
        "temperature": 0,
        "messages": [{"role": "user", "content": f"Question number {i % 50}?"}],
    }


async def test_bounded_load_no_errors_no_losses_flat_memory(
    make_upstream_double: Callable[..., UpstreamDouble], tmp_path: Path
) -> None:
    local, hosted = make_upstream_double(), make_upstream_double()
    with gateway_process(routing_doc(local, hosted), tmp_path) as (url, proc):
        warm = await burst(url, 200, 50, question)
        first = await burst(url, 1000, 50, question)
        rss_first = rss_bytes(proc.pid)
        second = await burst(url, 1000, 50, question)
        rss_second = rss_bytes(proc.pid)
    total = warm + first + second
    assert total == Counter({200: 2200}), total  # zero 5xx, zero lost
    growth = rss_second - rss_first
    assert growth < 16 * 2**20, f"RSS grew {growth / 2**20:.1f} MiB in the second half"


async def test_redis_killed_and_restarted_under_load_fails_nothing(
    make_upstream_double: Callable[..., UpstreamDouble],
    make_redis_server: Callable[[], RedisServer],
    tmp_path: Path,
) -> None:
    local, hosted = make_upstream_double(), make_upstream_double()
    redis = make_redis_server()
    with gateway_process(routing_doc(local, hosted), tmp_path, TIERGATE_REDIS_URL=redis.url) as (
        url,
        _,
    ):
        load = asyncio.create_task(burst(url, 600, 20, question))
        await asyncio.sleep(0.3)
        redis.stop(kill=True)
        await asyncio.sleep(0.5)
        redis.start()
        statuses = await load
    assert statuses == Counter({200: 600}), statuses


async def test_sigterm_drains_inflight_requests_and_streams(
    make_upstream_double: Callable[..., UpstreamDouble], tmp_path: Path
) -> None:
    local, hosted = make_upstream_double(), make_upstream_double()
    local.stream_chunk_delay = 0.15  # ~1.5 s per stream
    with gateway_process(routing_doc(local, hosted), tmp_path, TIERGATE_SHUTDOWN_GRACE="20") as (
        url,
        proc,
    ):
        async with aiohttp.ClientSession() as session:

            async def stream() -> bytes:
                async with session.post(
                    url + "/chat/completions",
                    json={
                        "model": "auto",
                        "stream": True,
                        "messages": [{"role": "user", "content": "count"}],
                    },
                ) as resp:
                    return await resp.read()

            streams = [asyncio.create_task(stream()) for _ in range(3)]
            await asyncio.sleep(0.4)  # the streams are under way
            proc.send_signal(signal.SIGTERM)
            bodies = await asyncio.gather(*streams)
        started = time.monotonic()
        while proc.poll() is None:
            assert time.monotonic() - started < 15, "gateway did not exit"
            await asyncio.sleep(0.05)
    # uvicorn drains, then re-raises the signal so supervisors see a SIGTERM exit
    assert proc.returncode in (0, -signal.SIGTERM)
    for body in bodies:
        assert body.rstrip().endswith(b"data: [DONE]") or b"data: [DONE]" in body
        assert b'"error"' not in body
