"""The recent-traffic window: one compact record per request, for the dashboard and controller.

A record is a short JSON array (no prompt text, no tenant):
`[time, tier, kind, difficulty, sensitivity, cache, seconds, ttft, cost, prompt_tokens,
completion_tokens, fallbacks, status, id]` — tier `l`/`f`/`-` (not routed), kind `a` (auto:
the difficulty threshold chose the tier), `s` (sensitive: local whatever the threshold) or
`x` (forced, fallen back, budget-capped: the threshold did not choose), cache `h`/`m`/`b`.

Every record goes to an in-process deque at once (a few microseconds, no I/O). With Redis, a
background task also writes them in batches, like router/decisions.py, to one sorted set scored
by time (`tiergate:traffic`), trimmed to the window and to `max_records`; every replica reads
the same set, so every dashboard shows the same traffic. The request path never waits on Redis.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from typing import Any

import orjson

from router.batching import BatchWriter
from router.metrics import Usage
from router.routing import DashboardConfig
from router.trace import Trace

log = logging.getLogger("tiergate.traffic")
KEY = "tiergate:traffic"
FLUSH_SECONDS = 0.5
REDIS_TIMEOUT = 2.0
AUTO_REASONS = frozenset({"easy", "difficult"})

Record = list[Any]


def compact(trace: Trace, status: int, usage: Usage, cost: float, fallbacks: int) -> Record:
    """The window's record of one finished request (see the module docstring)."""
    now = time.perf_counter()
    s, route = trace.scores, trace.route
    kind = "x"
    if route is not None and route.sensitive:
        kind = "s"
    elif route is not None and route.reason in AUTO_REASONS and trace.reason == route.reason:
        kind = "a"
    first = trace.first_token
    return [
        round(time.time(), 3),
        {"local": "l", "frontier": "f"}.get(trace.tier, "-"),
        kind,
        round(s.difficulty, 4) if s else None,
        round(s.sensitivity, 4) if s else None,
        trace.cache[:1],
        round(now - trace.started, 5),
        round(first, 5) if isinstance(first, float) else None,
        cost,
        usage.prompt_tokens,
        usage.completion_tokens,
        fallbacks,
        status,
        trace.request_id[-10:],  # keeps members of the shared set distinct
    ]


class TrafficWindow:
    """Recent records, in this process and (with `redis`) shared by every replica."""

    def __init__(self, config: DashboardConfig | None = None, redis: Any = None) -> None:
        self.config = config or DashboardConfig()
        self._local: deque[Record] = deque(maxlen=self.config.max_records)
        self._redis = redis
        self._batches: BatchWriter[Record] = BatchWriter(self._write, FLUSH_SECONDS)
        self._errors: tuple[type[BaseException], ...] = (OSError, TimeoutError)
        if redis is not None:
            from redis.exceptions import RedisError

            self._errors = (OSError, TimeoutError, RedisError)

    @property
    def shared(self) -> bool:
        return self._redis is not None

    def record(
        self, trace: Trace, status: int, usage: Usage, cost: float, fallbacks: int = 0
    ) -> None:
        """Keep one finished request that reached the classifier (the request path: no I/O)."""
        if trace.scores is not None:
            self.add(compact(trace, status, usage, cost, fallbacks))

    @property
    def dropped(self) -> int:
        return self._batches.dropped

    def add(self, record: Record) -> None:
        """Keep one record (no I/O, never raises)."""
        self._local.append(record)
        if self._redis is not None:
            self._batches.put(record)

    def start(self) -> None:
        if self._redis is not None:
            self._batches.start()

    async def _write(self, batch: list[Record]) -> None:
        horizon = time.time() - self.config.window_seconds
        try:
            async with asyncio.timeout(REDIS_TIMEOUT):
                async with self._redis.pipeline(transaction=False) as pipe:
                    pipe.zadd(KEY, {orjson.dumps(r): r[0] for r in batch})
                    pipe.zremrangebyscore(KEY, "-inf", horizon)
                    pipe.zremrangebyrank(KEY, 0, -self.config.max_records - 1)
                    await pipe.execute()
        except self._errors as exc:  # the shared window misses them; this replica keeps them
            self._batches.dropped += len(batch)
            log.warning("traffic records not shared: redis unavailable (%s)", type(exc).__name__)

    async def records(self) -> tuple[list[Record], bool]:
        """The window's records, oldest first, and whether they are every replica's (True) or
        only this process's (no Redis, or Redis did not answer)."""
        horizon = time.time() - self.config.window_seconds
        if self._redis is not None:
            try:
                async with asyncio.timeout(REDIS_TIMEOUT):
                    raw = await self._redis.zrangebyscore(KEY, horizon, "+inf")
                return [orjson.loads(r) for r in raw], True
            except self._errors as exc:
                log.warning("shared traffic window unavailable (%s)", type(exc).__name__)
        return [r for r in self._local if r[0] >= horizon], False

    async def close(self) -> None:
        await self._batches.close()
