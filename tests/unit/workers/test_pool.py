"""Health bookkeeping: a probe timeout while calls are under way means busy, not down."""

from __future__ import annotations

from collections.abc import Mapping

from router.routing import Upstream
from workers.pool import UpstreamPool
from workers.upstream import ChunkStream, Completion

SPEC = Upstream(kind="llamacpp", base_url="http://127.0.0.1:1/v1")


class StubClient:
    def __init__(self, name: str) -> None:
        self.name, self.spec, self.inflight = name, SPEC, 0

    async def complete(self, payload: Mapping[str, object]) -> Completion:
        raise NotImplementedError

    async def open_stream(self, payload: Mapping[str, object]) -> ChunkStream:
        raise NotImplementedError

    async def probe(self) -> bool | None:
        return None

    async def get_text(self, path: str) -> str | None:
        return None

    async def close(self) -> None:
        return None


def test_probe_timeout_keeps_a_busy_upstream_healthy() -> None:
    client = StubClient("a")
    changes: list[tuple[str, bool]] = []
    pool = UpstreamPool({"a": client}, on_health=lambda n, ok: changes.append((n, ok)))
    client.inflight = 1
    pool.record_probe("a", None)
    assert pool.healthy == {"a"} and changes == []
    client.inflight = 0
    pool.record_probe("a", None)
    assert pool.healthy == set() and changes == [("a", False)]
    pool.record_probe("a", True)
    assert pool.healthy == {"a"}


def test_refused_probe_marks_down_even_when_busy() -> None:
    client = StubClient("a")
    pool = UpstreamPool({"a": client})
    client.inflight = 3
    pool.record_probe("a", False)
    assert pool.healthy == set()
