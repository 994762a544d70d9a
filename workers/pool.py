"""The upstream clients of one gateway process and what is known about their health.

Each upstream is probed on its own interval (`/health` for vLLM, `/v1/models` otherwise); a
connection failure seen by a real request marks it down at once, and the next good probe brings
it back. The policy reads `healthy` as a plain set, so it stays a pure function.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from typing import Protocol

from router.errors import ConfigError
from router.routing import Routing, Upstream
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
    def __init__(
        self,
        clients: Mapping[str, UpstreamClient],
        on_health: Callable[[str, bool], None] | None = None,
    ) -> None:
        self.clients = dict(clients)
        self.healthy: set[str] = set(self.clients)  # optimistic until the first probe answers
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

    def set_health(self, name: str, ok: bool) -> None:
        was = name in self.healthy
        if ok:
            self.healthy.add(name)
        else:
            self.healthy.discard(name)
        if was != ok:
            log.warning("upstream %s is now %s", name, "healthy" if ok else "unhealthy")
        if self._on_health is not None:
            self._on_health(name, ok)

    def record_probe(self, name: str, result: bool | None) -> None:
        """A probe that timed out while calls are under way means busy (llama.cpp's server
        answers nothing while it generates), not down; a timeout when idle means down."""
        if result is None:
            if self.clients[name].inflight > 0:
                return
            result = False
        self.set_health(name, result)

    async def probe_all(self) -> None:
        names = list(self.clients)
        results = await asyncio.gather(*(self.clients[n].probe() for n in names))
        for name, result in zip(names, results, strict=True):
            self.record_probe(name, result)

    async def start(self) -> None:
        """Probe everything once, then keep probing in the background."""
        await self.probe_all()
        for name, client in self.clients.items():
            interval = client.spec.health_interval
            if client.spec.kind in HOSTED_KINDS:
                interval = max(interval, HOSTED_MIN_INTERVAL)
            self._tasks.append(asyncio.create_task(self._probe_loop(name, interval)))

    async def _probe_loop(self, name: str, interval: float) -> None:
        client = self.clients[name]
        while True:
            await asyncio.sleep(interval)
            self.record_probe(name, await client.probe())

    async def close(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()
        for client in self.clients.values():
            await client.close()
