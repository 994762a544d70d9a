"""cache: the response cache's hit latency in-process and through Redis on loopback, the miss
path's cost, and single-flight under a burst of identical requests.

Measured on `router.cache.ResponseCache` directly (no HTTP), so the numbers are the cache's
own; the HTTP-level hit path is in the overhead suite (`tiergate_hit`). Baselines in the same
run: a bare dict lookup for the in-process store and a bare redis-py GET for Redis. The burst
sends N identical cache-able requests at once against an upstream stand-in that takes
`--upstream-ms`; single-flight means one upstream call in total — per process for the
in-process store, and across two gateway replicas sharing Redis.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.processes import free_port

REQUEST = {
    "model": "auto",
    "temperature": 0,
    "max_tokens": 64,
    "messages": [{"role": "user", "content": "Translate 'good morning' into French."}],
}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rounds", type=int, default=5000, help="timed calls per measurement")
    parser.add_argument("--burst", type=int, default=64, help="identical concurrent requests")
    parser.add_argument("--upstream-ms", type=float, default=20.0, help="upstream stand-in time")
    parser.add_argument("--no-redis", action="store_true", help="skip the Redis measurements")


def tiny(args: argparse.Namespace) -> None:
    args.rounds, args.burst, args.upstream_ms = 50, 8, 5.0


def config(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "rounds": args.rounds,
        "burst": args.burst,
        "upstream_ms": args.upstream_ms,
        "redis": not args.no_redis,
    }


def summary(samples: list[float]) -> dict[str, Any]:
    samples = sorted(samples)

    def at(q: float) -> float:
        return round(samples[min(len(samples) - 1, int(q * len(samples)))], 2)

    return {
        "calls": len(samples),
        "p50_us": at(0.5),
        "p90_us": at(0.9),
        "p99_us": at(0.99),
        "mean_us": round(statistics.fmean(samples), 2),
    }


async def timed(call: Callable[[], Awaitable[object]], rounds: int) -> dict[str, Any]:
    """Latency of `call`; when it returns a cache Lookup, how many were hit / miss / bypass
    (a bypass means the store failed or blew its time budget: that sample is not a store trip)."""
    for _ in range(min(rounds, 200)):
        await call()
    samples = []
    results: Counter[str] = Counter()
    for _ in range(rounds):
        start = time.perf_counter_ns()
        outcome = await call()
        samples.append((time.perf_counter_ns() - start) / 1000)
        if isinstance(kind := getattr(outcome, "result", None), str):
            results[kind] += 1
    return summary(samples) | ({"lookup_results": dict(results)} if results else {})


def _entry() -> Any:
    from bench.double import completion_body
    from router.cache import Entry
    from router.metrics import Usage

    return Entry("json", "local", "bench-small", Usage(24, 20), body=completion_body())


def _cache(store: Any) -> Any:
    from router.cache import ResponseCache
    from router.metrics import Metrics
    from router.routing import CacheConfig

    return ResponseCache(CacheConfig(), store, Metrics())


async def _prime(cache: Any, key: str) -> None:
    lookup = await cache.lookup(key, "local", False, True)
    cache.fill(lookup, _entry())
    await asyncio.gather(*cache._tasks)


async def _miss(cache: Any, key: str) -> Any:
    """The no-cache miss path: lease, then store the answer (written before returning)."""
    lookup = await cache.lookup(key, "local", False, True)
    cache.fill(lookup, _entry())
    await asyncio.gather(*cache._tasks)
    return lookup


async def burst(caches: list[Any], key: str, n: int, upstream_s: float) -> dict[str, Any]:
    calls = {"upstream": 0, "hit": 0, "miss": 0, "bypass": 0}

    async def one(cache: Any) -> None:
        lookup = await cache.lookup(key, "local", True, True)
        calls[lookup.result] += 1
        if lookup.entry is not None:
            return
        calls["upstream"] += 1
        await asyncio.sleep(upstream_s)
        cache.fill(lookup, _entry())

    start = time.perf_counter()
    await asyncio.gather(*(one(caches[i % len(caches)]) for i in range(n)))
    wall = time.perf_counter() - start
    for cache in caches:
        await asyncio.gather(*cache._tasks)
    return {
        "requests": n,
        "replicas": len(caches),
        "upstream_calls": calls["upstream"],
        "lookup_results": {k: calls[k] for k in ("hit", "miss", "bypass")},
        "wall_ms": round(wall * 1000, 2),
    }


async def in_process(args: argparse.Namespace) -> dict[str, Any]:
    from router.cache_key import cache_key
    from router.cache_store import MemoryStore

    cache = _cache(MemoryStore(10_000))
    key = cache_key("bench", "local", "bench-small", REQUEST)
    await _prime(cache, key)
    plain = {key: b"x"}

    async def dict_get() -> object:
        return plain.get(key)

    async def key_only() -> object:
        return cache_key("bench", "local", "bench-small", REQUEST)

    miss_keys = iter(range(10**9))
    out = {
        "baseline_dict_get": await timed(dict_get, args.rounds),
        "cache_key": await timed(key_only, args.rounds),
        "hit": await timed(lambda: cache.lookup(key, "local", True, True), args.rounds),
        "miss_store": await timed(lambda: _miss(cache, f"{key}:{next(miss_keys)}"), args.rounds),
        "single_flight": await burst(
            [_cache(MemoryStore(100))], key, args.burst, args.upstream_ms / 1000
        ),
    }
    await cache.close()
    return out


async def through_redis(args: argparse.Namespace, url: str) -> dict[str, Any]:
    from redis.asyncio import Redis

    from router.cache_key import cache_key
    from router.cache_store import RedisStore

    raw = Redis.from_url(url)
    cache = _cache(RedisStore(url, 0.02))
    key = cache_key("bench", "local", "bench-small", REQUEST)
    await _prime(cache, key)
    miss_keys = iter(range(10**9))
    replicas = [_cache(RedisStore(url, 0.02)) for _ in range(2)]
    out = {
        "baseline_redis_get": await timed(lambda: raw.get(key), args.rounds),
        "hit": await timed(lambda: cache.lookup(key, "local", True, True), args.rounds),
        "miss_store": await timed(lambda: _miss(cache, f"{key}:{next(miss_keys)}"), args.rounds),
        # Fresh replicas open their Redis connections inside the burst; then the same replicas
        # (connections pooled) take a second burst on another key.
        "single_flight_cold": await burst(
            replicas, key + ":b1", args.burst, args.upstream_ms / 1000
        ),
    }
    await asyncio.sleep(1.1)  # past RedisStore's back-off, if the cold burst tripped it
    out["single_flight_warm"] = await burst(
        replicas, key + ":b2", args.burst, args.upstream_ms / 1000
    )
    for c in (cache, *replicas):
        await c.close()
    await raw.aclose()
    return out


def redis_server(workdir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(workdir),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    import redis

    client = redis.Redis(host="127.0.0.1", port=port)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            client.ping()
            return proc, f"redis://127.0.0.1:{port}/0"
        except redis.ConnectionError:
            time.sleep(0.05)
    proc.kill()
    raise RuntimeError("redis-server did not answer within 10 s")


def _ratio(a: dict[str, Any], b: dict[str, Any]) -> float | None:
    return round(a["p50_us"] / b["p50_us"], 2) if b["p50_us"] else None


def run(args: argparse.Namespace) -> dict[str, Any]:
    import uvloop

    results: dict[str, Any] = {"in_process": uvloop.run(in_process(args))}
    if args.no_redis:
        results["redis"] = {"skipped": "--no-redis"}
    elif shutil.which("redis-server") is None:
        results["redis"] = {
            "unavailable": "redis-server not on PATH (apt-get install redis-server)"
        }
    else:
        with tempfile.TemporaryDirectory(prefix="tiergate-bench-redis-") as tmp:
            proc, url = redis_server(Path(tmp))
            try:
                results["redis"] = uvloop.run(through_redis(args, url))
            finally:
                proc.terminate()
                proc.wait(10)
    mem, red = results["in_process"], results["redis"]
    results["ratios"] = {
        "memory_hit_p50_over_redis_hit_p50": _ratio(mem["hit"], red["hit"])
        if "hit" in red
        else None,
        "redis_hit_p50_over_bare_get_p50": _ratio(red["hit"], red["baseline_redis_get"])
        if "hit" in red
        else None,
    }
    return results
