"""The exact response cache: what may be read or stored, entries, and single-flight.

Correct by construction:
- only complete 2xx answers are ever offered to `fill` (the caller passes None otherwise), and a
  stream only once its `[DONE]` arrived;
- the key (router/cache_key.py) hashes tenant, tier and model with the canonical request, so
  tenants and tiers never share entries; a sensitive request is routed to the local tier only,
  so its entries live only in the local tier's namespace (and `fill` refuses anything else);
- sampled requests (temperature > 0, or absent: the providers' default is 1) are not cached
  unless the config opts in; `Cache-Control: no-cache` skips the read, `no-store` both;
- a store failure or a slow store is a bypass, never an error.
Single-flight: the first miss for a key holds a lease; identical misses wait for its answer
(in-process through a future, across replicas through the store's lock and polling).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import orjson

from router.cache_store import Store, StoreUnavailable
from router.metrics import Metrics, Usage
from router.routing import CacheConfig, TierName

POLL_SECONDS = 0.02


@dataclass(frozen=True, slots=True)
class Entry:
    kind: Literal["json", "sse"]
    tier: str
    model: str
    usage: Usage
    body: bytes = b""  # the JSON answer
    chunks: tuple[bytes, ...] = ()  # the stream's data payloads, usage chunk included

    def encode(self) -> bytes:
        return orjson.dumps(
            {
                "kind": self.kind,
                "tier": self.tier,
                "model": self.model,
                "usage": [self.usage.prompt_tokens, self.usage.completion_tokens],
                "body": self.body.decode(),
                "chunks": [c.decode() for c in self.chunks],
            }
        )

    @classmethod
    def decode(cls, raw: bytes) -> Entry | None:
        try:
            d = orjson.loads(raw)
            return cls(
                d["kind"],
                d["tier"],
                d["model"],
                Usage(*d["usage"]),
                d["body"].encode(),
                tuple(c.encode() for c in d["chunks"]),
            )
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            return None  # unreadable entries are misses


@dataclass(slots=True)
class Lookup:
    result: Literal["hit", "miss", "bypass"]
    key: str | None = None
    tier: TierName = "local"
    entry: Entry | None = None
    write: bool = False
    lease: bool = False
    future: asyncio.Future[Entry | None] | None = field(default=None, repr=False)


def wants(
    payload: Mapping[str, Any],
    cache_control: str | None,
    config: CacheConfig,
) -> tuple[bool, bool]:
    """(read, write) for this request: config, client directives, sampling."""
    if not config.enabled:
        return False, False
    directives = {d.strip().lower() for d in (cache_control or "").split(",")}
    if "no-store" in directives:
        return False, False
    temperature = payload.get("temperature", 1)
    sampled = not isinstance(temperature, int | float) or temperature > 0
    if sampled and not config.cache_sampled:
        return False, False
    return "no-cache" not in directives, True


class ResponseCache:
    def __init__(self, config: CacheConfig, store: Store, metrics: Metrics) -> None:
        self.config = config
        self.store = store
        self.metrics = metrics
        self._flights: dict[str, asyncio.Future[Entry | None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    async def _get(self, key: str) -> Entry | None:
        raw = await self.store.get(key)
        return Entry.decode(raw) if raw is not None else None

    async def lookup(self, key: str, tier: TierName, read: bool, write: bool) -> Lookup:
        if not (read or write):
            return self._count(Lookup("bypass"))
        try:
            return self._count(await self._lookup(key, tier, read, write))
        except StoreUnavailable:
            self.metrics.cache.labels("unavailable").inc()
            return self._count(Lookup("bypass"))

    async def _lookup(self, key: str, tier: TierName, read: bool, write: bool) -> Lookup:
        if read and (entry := await self._get(key)) is not None:
            return Lookup("hit", key, tier, entry)
        if read and (flight := self._flights.get(key)) is not None:
            entry = await self._wait_future(flight)
            if entry is not None:
                return Lookup("hit", key, tier, entry)
        future: asyncio.Future[Entry | None] = asyncio.get_running_loop().create_future()
        self._flights.setdefault(key, future)
        try:
            lease = await self.store.lock(key, self.config.lock_ms / 1000)
            if not lease and read:  # another replica is answering the same request
                entry = await self._poll(key)
                if entry is not None:
                    self._settle(key, future, entry)
                    return Lookup("hit", key, tier, entry)
        except StoreUnavailable:
            self._settle(key, future, None)  # waiters go on without us
            raise
        return Lookup("miss", key, tier, None, write, lease, future)

    async def _wait_future(self, flight: asyncio.Future[Entry | None]) -> Entry | None:
        try:
            async with asyncio.timeout(self.config.lock_ms / 1000):
                return await asyncio.shield(flight)
        except TimeoutError:
            return None

    async def _poll(self, key: str) -> Entry | None:
        deadline = time.monotonic() + self.config.lock_ms / 1000
        while time.monotonic() < deadline:
            await asyncio.sleep(POLL_SECONDS)
            if (entry := await self._get(key)) is not None:
                return entry
            if await self.store.lock(key, self.config.lock_ms / 1000):
                entry = await self._get(key)  # stored just before the holder unlocked?
                await self.store.unlock(key)
                return entry  # None: the holder gave up, answer it ourselves
        return None

    def _count(self, lookup: Lookup) -> Lookup:
        self.metrics.cache.labels(lookup.result).inc()
        return lookup

    def _settle(
        self, key: str, future: asyncio.Future[Entry | None] | None, entry: Entry | None
    ) -> None:
        if future is not None and not future.done():
            future.set_result(entry)
        if future is not None and self._flights.get(key) is future:
            del self._flights[key]

    def fill(self, lookup: Lookup, entry: Entry | None) -> None:
        """End a miss: store `entry` (None = nothing storable) and wake the waiters. Sync, so
        it can run from a stream's end; the store I/O runs as a task."""
        if lookup.key is None or lookup.result != "miss":
            return
        if entry is not None and (not lookup.write or entry.tier != lookup.tier):
            entry = None  # e.g. a fallback answer from the other tier is not stored
        self._settle(lookup.key, lookup.future, entry)
        if entry is None and not lookup.lease:
            return
        task = asyncio.get_running_loop().create_task(self._write(lookup, entry))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _write(self, lookup: Lookup, entry: Entry | None) -> None:
        assert lookup.key is not None
        try:
            if entry is not None:
                raw = entry.encode()
                if len(raw) <= self.config.max_entry_bytes:
                    await self.store.set(lookup.key, raw, self.config.ttl(lookup.tier))
            if lookup.lease:
                await self.store.unlock(lookup.key)
        except StoreUnavailable:
            self.metrics.cache.labels("unavailable").inc()

    async def close(self) -> None:
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        await self.store.close()
