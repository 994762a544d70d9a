"""The upstream clients of one gateway process and what is known about their health.

Each upstream is probed on its own interval (`/health` for vLLM, `/v1/models` otherwise); a
connection failure seen by a real request marks it down at once, and the next good probe brings
it back. The policy reads `healthy` as a plain set, so it stays a pure function.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping
from typing import Protocol

from router.errors import ConfigError
from router.routing import Routing, Upstream
from workers.load import read_load
from workers.upstream import ChunkStream, Completion, OpenAIUpstream

log = logging.getLogger("tiergate.pool")

# Hosted APIs are probed less often: a probe is a real API call on the user's account.
HOSTED_KINDS = frozenset({"openai", "anthropic"})
HOSTED_MIN_INTERVAL = 30.0


class UpstreamClient(Protocol):
    name: str
    spec: Upstream

    async def complete(self, payload: Mapping[str, object]) -> Completion: ...
    async def open_stream(self, payload: Mapping[str, object]) -> ChunkStream: ...

    inflight: int

    async def get_text(self, path: str) -> str | None: ...

    async def probe(self) -> bool | None: ...
    async def close(self) -> None: ...


def make_client(name: str, spec: Upstream, env: Mapping[str, str]) -> UpstreamClient:
    api_key = None
    if spec.api_key_env:
        api_key = env.get(spec.api_key_env)
        if not api_key:
            raise ConfigError(
                f"upstreams.{name}.api_key_env: environment variable {spec.api_key_env} is not set"
            )
    if spec.kind == "anthropic":
        from workers.anthropic import AnthropicUpstream  # optional provider, loaded on use

        return AnthropicUpstream(name, spec, api_key)
    return OpenAIUpstream(name, spec, api_key)


class UpstreamPool:
    """Clients plus what is known about each upstream: probe result, circuit breaker and, for
    vLLM, saturation. `healthy` and `saturated` are plain sets the policy reads per request;
    they are recomputed only when something changes."""

    def __init__(
        self,
        clients: Mapping[str, UpstreamClient],
        on_health: Callable[[str, bool], None] | None = None,
    ) -> None:
        self.clients = dict(clients)
        self.healthy: set[str] = set(self.clients)  # optimistic until the first probe answers
        self.saturated: set[str] = set()
        self._probe_ok = dict.fromkeys(self.clients, True)
        self._failures = dict.fromkeys(self.clients, 0)
        self._open_until = dict.fromkeys(self.clients, 0.0)
        self._on_health = on_health
        self._tasks: list[asyncio.Task[None]] = []

    @classmethod
    def from_routing(
        cls,
        routing: Routing,
        env: Mapping[str, str],
        on_health: Callable[[str, bool], None] | None = None,
    ) -> UpstreamPool:
        clients = {name: make_client(name, spec, env) for name, spec in routing.upstreams.items()}
        return cls(clients, on_health)

    def get(self, name: str) -> UpstreamClient:
        return self.clients[name]

    def _refresh(self, name: str) -> None:
        ok = self._probe_ok[name] and time.monotonic() >= self._open_until[name]
        was = name in self.healthy
        if ok:
            self.healthy.add(name)
        else:
            self.healthy.discard(name)
        if was != ok:
            log.warning("upstream %s is now %s", name, "healthy" if ok else "unhealthy")
        if self._on_health is not None:
            self._on_health(name, ok)

    def set_health(self, name: str, ok: bool) -> None:
        self._probe_ok[name] = ok
        self._refresh(name)

    def breaker_open(self, name: str) -> bool:
        return time.monotonic() < self._open_until[name]

    def record_success(self, name: str) -> None:
        self._failures[name] = 0

    def record_failure(self, name: str, kind: str) -> None:
        """Count a failed call; N in a row open the breaker for its cool-down. A refused
        connection also marks the upstream down until a probe answers."""
        self._failures[name] += 1
        breaker = self.clients[name].spec.breaker
        if self._failures[name] >= breaker.failures:
            self._open_until[name] = time.monotonic() + breaker.cooldown
            log.warning("circuit open for upstream %s for %.1fs", name, breaker.cooldown)
            loop = asyncio.get_running_loop()
            loop.call_later(breaker.cooldown, self._refresh, name)
        if kind == "connect":
            self._probe_ok[name] = False
        self._refresh(name)

    def record_probe(self, name: str, result: bool | None) -> None:
        """A probe that timed out while calls are under way means busy (llama.cpp's server
        answers nothing while it generates), not down; a timeout when idle means down."""
        if result is None:
            if self.clients[name].inflight > 0:
                return
            result = False
        self.set_health(name, result)

    def record_load(self, name: str, saturated: bool) -> None:
        was = name in self.saturated
        if saturated:
            self.saturated.add(name)
        else:
            self.saturated.discard(name)
        if was != saturated:
            log.warning(
                "upstream %s is %s", name, "saturated" if saturated else "no longer saturated"
            )

    async def _probe(self, name: str) -> None:
        client = self.clients[name]
        self.record_probe(name, await client.probe())
        limits = client.spec.saturation
        if limits is not None and name in self.healthy:
            load = await read_load(client)
            if load is not None:
                self.record_load(name, load.over(limits))

    async def probe_all(self) -> None:
        await asyncio.gather(*(self._probe(name) for name in self.clients))

    async def start(self) -> None:
        """Probe everything once, then keep probing in the background."""
        await self.probe_all()
        for name, client in self.clients.items():
            interval = client.spec.health_interval
            if client.spec.kind in HOSTED_KINDS:
                interval = max(interval, HOSTED_MIN_INTERVAL)
            self._tasks.append(asyncio.create_task(self._probe_loop(name, interval)))

    async def _probe_loop(self, name: str, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            await self._probe(name)

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        for client in self.clients.values():
            await client.close()
