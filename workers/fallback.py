"""Walk a route's targets in order until one answers; keep every cause.

Only failures before the first byte reached the client move on (connection error, timeout, 5xx,
429, malformed answer); an upstream's 4xx is the client's fault and is relayed at once. The
targets come from the policy, which already left out everything a sensitive request may not
reach, so this loop can never widen where a request goes.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from router.errors import (
    GatewayError,
    RateLimitError,
    RelayedError,
    UpstreamError,
    UpstreamTimeoutError,
)
from router.policy import Target
from workers.failures import UpstreamFailure
from workers.pool import UpstreamPool
from workers.upstream import ChunkStream, Completion


@dataclass(slots=True)
class Attempt:
    target: Target
    kind: str
    detail: str


@dataclass(slots=True)
class Served:
    """What answered: the target, its completion or open stream, the failed attempts before it,
    and the seconds spent waiting on upstreams (for the gateway's own overhead)."""

    target: Target
    completion: Completion | None = None
    stream: ChunkStream | None = None
    attempts: list[Attempt] = field(default_factory=list)
    upstream_seconds: float = 0.0


def upstream_payload(payload: Mapping[str, Any], target: Target, stream: bool) -> dict[str, Any]:
    """The client's JSON with only the model replaced; streams always ask for usage (the gateway
    accounts tokens) and the usage chunk is dropped again if the client did not ask for it."""
    body = dict(payload)
    body["model"] = target.model
    if stream:
        options = body.get("stream_options")
        body["stream_options"] = {
            **(options if isinstance(options, dict) else {}),
            "include_usage": True,
        }
    return body


def exhausted(attempts: list[Attempt]) -> GatewayError:
    causes = "; ".join(f"{a.target.upstream}: {a.kind}" for a in attempts)
    kinds = {a.kind for a in attempts}
    if kinds == {"status_429"}:
        return RateLimitError(
            f"Every upstream is rate limited ({causes}).", headers={"Retry-After": "1"}
        )
    if kinds == {"timeout"}:
        return UpstreamTimeoutError(f"Every upstream timed out ({causes}).")
    return UpstreamError(f"Every upstream failed ({causes}).")


def backoff(base: float, retry: int) -> float:
    """Seconds before retry number `retry` (1, 2, ...): doubled each time, jittered +-50 %."""
    return float(base * 2 ** (retry - 1) * random.uniform(0.5, 1.5))


async def call_with_fallback(
    targets: tuple[Target, ...],
    pool: UpstreamPool,
    payload: Mapping[str, Any],
    stream: bool,
    on_failure: Callable[[Attempt], None] | None = None,
    timeout: float | None = None,
) -> Served:
    """Try each target in order until one answers; `on_failure` sees every failed attempt.

    Only the last target is retried (with jittered backoff): while other targets remain, moving
    on is faster than retrying. Every failure feeds the upstream's circuit breaker, and an open
    breaker ends the retries, so an outage costs one failed attempt, not one per retry.
    `timeout` bounds the whole walk, to the first byte (504 when it runs out).
    """
    attempts: list[Attempt] = []
    try:
        async with asyncio.timeout(timeout):
            return await _walk(targets, pool, payload, stream, on_failure, attempts)
    except TimeoutError:
        causes = "; ".join(f"{a.target.upstream}: {a.kind}" for a in attempts) or "none failed"
        raise UpstreamTimeoutError(f"No answer within {timeout:g}s ({causes}).") from None


async def _walk(
    targets: tuple[Target, ...],
    pool: UpstreamPool,
    payload: Mapping[str, Any],
    stream: bool,
    on_failure: Callable[[Attempt], None] | None,
    attempts: list[Attempt],
) -> Served:
    waited = 0.0
    for i, target in enumerate(targets):
        client = pool.get(target.upstream)
        body = upstream_payload(payload, target, stream)
        tries = 1 + (client.spec.retries if i == len(targets) - 1 else 0)
        for n in range(tries):
            if n:
                await asyncio.sleep(backoff(client.spec.retry_backoff, n))
            started = time.perf_counter()
            try:
                result: Completion | ChunkStream = await (
                    client.open_stream(body) if stream else client.complete(body)
                )
            except RelayedError:
                pool.record_success(target.upstream)  # it answered: up, the request at fault
                raise
            except UpstreamFailure as failure:
                waited += time.perf_counter() - started
                attempt = Attempt(target, failure.kind, failure.detail)
                attempts.append(attempt)
                if on_failure is not None:
                    on_failure(attempt)
                pool.record_failure(target.upstream, failure.kind)
                if pool.breaker_open(target.upstream):
                    break
                continue
            pool.record_success(target.upstream)
            seconds = waited + time.perf_counter() - started
            if isinstance(result, ChunkStream):
                return Served(target, stream=result, attempts=attempts, upstream_seconds=seconds)
            return Served(target, completion=result, attempts=attempts, upstream_seconds=seconds)
    raise exhausted(attempts)
