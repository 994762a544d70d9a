"""Walk a route's targets in order until one answers; keep every cause.

Only failures before the first byte reached the client move on (connection error, timeout, 5xx,
429, malformed answer); an upstream's 4xx is the client's fault and is relayed at once. The
targets come from the policy, which already left out everything a sensitive request may not
reach, so this loop can never widen where a request goes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from router.errors import GatewayError, RateLimitError, UpstreamError, UpstreamTimeoutError
from router.policy import Target
from workers.pool import UpstreamPool
from workers.upstream import ChunkStream, Completion, UpstreamFailure


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


async def call_with_fallback(
    targets: tuple[Target, ...],
    pool: UpstreamPool,
    payload: Mapping[str, Any],
    stream: bool,
    on_failure: Callable[[Attempt], None] | None = None,
) -> Served:
    """Try each target in order; `on_failure` sees every failed attempt (for metrics)."""
    attempts: list[Attempt] = []
    waited = 0.0
    for target in targets:
        client = pool.get(target.upstream)
        body = upstream_payload(payload, target, stream)
        started = time.perf_counter()
        try:
            if stream:
                opened = await client.open_stream(body)
                return Served(
                    target,
                    stream=opened,
                    attempts=attempts,
                    upstream_seconds=waited + time.perf_counter() - started,
                )
            done = await client.complete(body)
            return Served(
                target,
                completion=done,
                attempts=attempts,
                upstream_seconds=waited + time.perf_counter() - started,
            )
        except UpstreamFailure as failure:  # recorded; the next target is tried
            waited += time.perf_counter() - started
            attempt = Attempt(target, failure.kind, failure.detail)
            attempts.append(attempt)
            if on_failure is not None:
                on_failure(attempt)
            if failure.kind == "connect":
                pool.set_health(target.upstream, False)
    raise exhausted(attempts)
