"""Where cached answers live: an in-process LRU with TTL, or Redis. One small interface.

Both stores speak bytes and never decide anything (that is router/cache.py). The Redis store
bounds every call by a time budget and, after a failure, stays out of the way for a short
back-off instead of making every request pay a timeout; redis-py reconnects by itself when the
server is back. Failures surface as `StoreUnavailable`, which the cache turns into a bypass.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from router.errors import TiergateError

RETRY_AFTER_FAILURE = 1.0  # seconds Redis is left alone after a failed call


class StoreUnavailable(TiergateError):
    """The store failed or was slower than its budget; the request goes on without it."""


class Store(Protocol):
    async def get(self, key: str) -> bytes | None: ...
    async def set(self, key: str, value: bytes, ttl: float) -> None: ...
    async def lock(self, key: str, ttl: float) -> bool: ...
    async def unlock(self, key: str) -> None: ...
    async def close(self) -> None: ...
    async def warm(self) -> None: ...


class MemoryStore:
    """LRU with per-entry expiry. Locks are process-local (single-flight within a replica)."""

    def __init__(self, max_entries: int) -> None:
        self._data: OrderedDict[str, tuple[float, bytes]] = OrderedDict()
        self._locks: dict[str, float] = {}
        self._max = max_entries

    async def get(self, key: str) -> bytes | None:
        item = self._data.get(key)
        if item is None:
            return None
        expires, value = item
        if expires <= time.monotonic():
            del self._data[key]
            return None
        self._data.move_to_end(key)
        return value

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        self._data[key] = (time.monotonic() + ttl, value)
        self._data.move_to_end(key)
        while len(self._data) > self._max:
            self._data.popitem(last=False)

    async def lock(self, key: str, ttl: float) -> bool:
        now = time.monotonic()
        if self._locks.get(key, 0.0) > now:
            return False
        self._locks[key] = now + ttl
        return True

    async def unlock(self, key: str) -> None:
        self._locks.pop(key, None)

    async def close(self) -> None:
        self._data.clear()

    async def warm(self) -> None:
        return None


class RedisStore:
    def __init__(self, url: str, budget: float) -> None:
        from redis.asyncio import Redis  # optional dependency, imported when configured
        from redis.asyncio.retry import Retry  # redis-py 8 warns on the sync one
        from redis.backoff import NoBackoff
        from redis.exceptions import RedisError

        self._redis = Redis.from_url(
            url,
            socket_timeout=max(budget, 0.05),
            socket_connect_timeout=max(budget, 0.05),
            retry=Retry(NoBackoff(), 0),
            max_connections=512,
            health_check_interval=0,
        )
        self._budget = budget
        self._errors: tuple[type[BaseException], ...] = (TimeoutError, OSError, RedisError)
        self._down_until = 0.0

    async def _call(self, call: Callable[[], Awaitable[Any]]) -> Any:
        if time.monotonic() < self._down_until:
            raise StoreUnavailable("redis is backing off after a failure")
        try:
            async with asyncio.timeout(self._budget):
                return await call()
        except self._errors as exc:
            self._down_until = time.monotonic() + RETRY_AFTER_FAILURE
            raise StoreUnavailable(f"redis: {type(exc).__name__}") from None

    async def warm(self, connections: int = 16) -> None:
        """Open pooled connections before traffic arrives: a burst on a cold pool would spend
        its budget on TCP and handshakes and bypass the cache. Failures are fine (bypass)."""
        with contextlib.suppress(*self._errors):
            async with asyncio.timeout(2.0):
                await asyncio.gather(*(self._redis.ping() for _ in range(connections)))

    async def get(self, key: str) -> bytes | None:
        value = await self._call(lambda: self._redis.get(key))
        return value if isinstance(value, bytes) else None

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        await self._call(lambda: self._redis.set(key, value, px=max(1, int(ttl * 1000))))

    async def lock(self, key: str, ttl: float) -> bool:
        got = await self._call(
            lambda: self._redis.set("lock:" + key, b"1", nx=True, px=max(1, int(ttl * 1000)))
        )
        return bool(got)

    async def unlock(self, key: str) -> None:
        await self._call(lambda: self._redis.delete("lock:" + key))

    async def close(self) -> None:
        await self._redis.aclose()
