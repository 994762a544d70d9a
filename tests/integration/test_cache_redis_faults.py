"""Redis failing under the cache: requests keep flowing (bypass), a metric counts it, and the
gateway reconnects by itself when Redis is back. A private redis-server, killed for real."""

from __future__ import annotations

import time
from collections.abc import Callable

import aiohttp

from tests.fakes.redis_server import RedisServer
from tests.integration.conftest import ALL_LOCAL, Stack

Q = [{"role": "user", "content": "What is the boiling point of water?"}]


def ask(s: Stack) -> str:
    raw = s.client.chat.completions.with_raw_response.create(
        model="auto", messages=Q, temperature=0
    )
    assert raw.parse().choices[0].message.content
    return str(raw.headers["x-tiergate-cache"])


async def metric(s: Stack, line_start: str) -> float:
    async with aiohttp.ClientSession() as session, session.get(s.root + "/metrics") as resp:
        for line in (await resp.text()).splitlines():
            if line.startswith(line_start):
                return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_redis_killed_then_restarted(
    make_stack: Callable[..., Stack], make_redis_server: Callable[[], RedisServer]
) -> None:
    redis = make_redis_server()
    s = make_stack(settings={"redis_url": redis.url}, thresholds=ALL_LOCAL)
    assert [ask(s), ask(s)] == ["miss", "hit"]

    redis.stop(kill=True)
    during = [ask(s) for _ in range(20)]  # every one answered, none from the cache
    assert during == ["bypass"] * 20
    assert await metric(s, 'tiergate_cache_requests_total{result="unavailable"}') >= 1

    redis.start()  # empty: nothing persisted
    deadline = time.monotonic() + 10
    results: list[str] = []
    while "hit" not in results:
        assert time.monotonic() < deadline, f"cache did not come back: {results}"
        results.append(ask(s))
        time.sleep(0.2)
    assert results[-2:] == ["miss", "hit"]


async def test_redis_slower_than_the_budget_is_a_bypass(
    make_stack: Callable[..., Stack], make_redis_server: Callable[[], RedisServer]
) -> None:
    import threading

    import redis as redis_py

    server = make_redis_server()
    s = make_stack(
        settings={"redis_url": server.url}, thresholds=ALL_LOCAL, cache={"redis_budget_ms": 50}
    )
    ask(s)  # warm the connection pool
    stall = redis_py.Redis.from_url(server.url)
    try:
        blocker = threading.Thread(target=lambda: stall.execute_command("DEBUG", "SLEEP", "1.5"))
        blocker.start()
        time.sleep(0.1)  # Redis is now stalled for 1.5 s
        started = time.monotonic()
        assert ask(s) == "bypass"
        assert time.monotonic() - started < 1.0  # answered without waiting for Redis
        blocker.join(timeout=5)
    finally:
        stall.close()
    assert await metric(s, 'tiergate_cache_requests_total{result="unavailable"}') >= 1
