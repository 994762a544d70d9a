"""The load generator: a fixed number of HTTP/1.1 keep-alive requests at a fixed concurrency.

It runs in its own process, pinned to its own core (`os.sched_setaffinity`), so the client's
CPU never competes with the process under test for the same core. Raw asyncio protocol +
httptools' parser on uvloop: the client stays several times cheaper per request than any
server it measures, and it sees the first body byte of a stream (time to first byte) exactly.

    echo '{"host": "127.0.0.1", "port": 8011, "path": "/v1/chat/completions",
           "body": "...", "headers": {}, "requests": 2000, "concurrency": 16}' \
        | python -m bench.load

prints one JSON object: count, errors, wall seconds, requests/s and latency / TTFB percentiles
in milliseconds. The run is bounded by `timeout` seconds (in-flight requests then count as
errors).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import httptools


@dataclass
class Spec:
    host: str
    port: int
    path: str
    body: str
    headers: dict[str, str] = field(default_factory=dict)
    requests: int = 1000
    concurrency: int = 1
    warmup: int = 100
    timeout: float = 120.0
    cpus: list[int] = field(default_factory=lambda: [0])


def request_bytes(spec: Spec) -> bytes:
    body = spec.body.encode()
    lines = [
        f"POST {spec.path} HTTP/1.1",
        f"Host: {spec.host}:{spec.port}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        *(f"{k}: {v}" for k, v in spec.headers.items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class Connection(asyncio.Protocol):
    """One keep-alive connection; `exchange` sends a request and waits for its whole answer."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.done: asyncio.Future[bool] | None = None
        self.first_body = 0.0
        self.tail = b""
        self.parser = httptools.HttpResponseParser(self)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self._finish(False)

    def connection_lost(self, exc: Exception | None) -> None:
        self._finish(False)

    def on_body(self, body: bytes) -> None:
        if not self.first_body:
            self.first_body = time.perf_counter()
        self.tail = (self.tail + body)[-256:]

    def on_message_complete(self) -> None:
        self._finish(self.parser.get_status_code() == 200)

    def _finish(self, ok: bool) -> None:
        if self.done is not None and not self.done.done():
            self.done.set_result(ok)

    async def exchange(self, payload: bytes) -> tuple[bool, float]:
        assert self.transport is not None
        self.done = asyncio.get_running_loop().create_future()
        self.first_body, self.tail = 0.0, b""
        self.parser = httptools.HttpResponseParser(self)
        self.transport.write(payload)
        ok = await self.done
        return ok, self.first_body


def percentiles(samples: list[float]) -> dict[str, float | None]:
    if not samples:
        return {"p50": None, "p90": None, "p99": None, "mean": None}
    s = sorted(samples)

    def at(q: float) -> float:
        return round(s[min(len(s) - 1, int(q * len(s)))], 4)

    return {"p50": at(0.5), "p90": at(0.9), "p99": at(0.99), "mean": round(sum(s) / len(s), 4)}


async def run(spec: Spec) -> dict[str, Any]:
    loop = asyncio.get_running_loop()
    payload = request_bytes(spec)
    stream = b'"stream":true' in spec.body.replace(" ", "").encode()
    total = spec.warmup + spec.requests
    latencies: list[float] = []
    ttfbs: list[float] = []
    counters = {"next": 0, "errors": 0, "bad_stream": 0}
    measured_start: list[float] = []

    async def worker() -> None:
        conn: Connection | None = None
        while counters["next"] < total:
            index = counters["next"]
            counters["next"] += 1
            if index == spec.warmup:
                measured_start.append(time.perf_counter())
            if conn is None or conn.transport is None or conn.transport.is_closing():
                _, conn = await loop.create_connection(Connection, spec.host, spec.port)
            start = time.perf_counter()
            ok, first = await conn.exchange(payload)
            end = time.perf_counter()
            if not ok:
                counters["errors"] += 1
                conn = None
                continue
            if stream and b"[DONE]" not in conn.tail:
                counters["bad_stream"] += 1
            if index >= spec.warmup:
                latencies.append((end - start) * 1000)
                ttfbs.append((first - start) * 1000)

    began = time.perf_counter()
    tasks = [asyncio.ensure_future(worker()) for _ in range(spec.concurrency)]
    try:
        await asyncio.wait_for(asyncio.gather(*tasks), spec.timeout)
        timed_out = False
    except TimeoutError:
        timed_out = True
    ended = time.perf_counter()
    wall = ended - (measured_start[0] if measured_start else began)
    return {
        "requests": len(latencies),
        "errors": counters["errors"] + counters["bad_stream"],
        "timed_out": timed_out,
        "wall_s": round(wall, 4),
        "rps": round(len(latencies) / wall, 1) if wall > 0 else None,
        "latency_ms": percentiles(latencies),
        "ttfb_ms": percentiles(ttfbs) if stream else None,
    }


def main() -> int:
    spec = Spec(**json.load(sys.stdin))
    with contextlib.suppress(AttributeError, OSError):  # not Linux / not our core: unpinned
        os.sched_setaffinity(0, spec.cpus)
    import uvloop

    result = uvloop.run(run(spec))
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
