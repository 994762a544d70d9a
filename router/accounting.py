"""Step 7 of a request: metrics and the decision record, for answers, streams, hits and errors.

The decision record (router/decisions.py) holds ids, route, scores, cache result, tokens, cost
and latency — never the prompt unless `decisions.capture_prompts` is on. One structured log line
per request carries the same facts.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from router.errors import GatewayError, status_of
from router.gateway import Gateway
from router.metrics import Usage
from router.trace import Trace
from workers.fallback import Attempt

log = logging.getLogger("tiergate.decision")


def record_failure(gw: Gateway, attempt: Attempt) -> None:
    gw.metrics.upstream_errors.labels(attempt.target.upstream, attempt.kind).inc()


def _decide_record(
    gw: Gateway, trace: Trace, status: int, usage: Usage, cost: float, fallbacks: int = 0
) -> None:
    seconds = time.perf_counter() - trace.started
    s = trace.scores
    record: dict[str, Any] = {
        "request_id": trace.request_id,
        "time": time.time(),
        "tenant": trace.tenant,
        "tier": trace.tier,
        "model": trace.model,
        "reason": trace.reason,
        "cache": trace.cache,
        "status": status,
        "difficulty": round(s.difficulty, 4) if s else None,
        "sensitivity": round(s.sensitivity, 4) if s else None,
        "prompt_tokens": usage.prompt_tokens,
        "completion_tokens": usage.completion_tokens,
        "cost_usd": cost,
        "seconds": round(seconds, 6),
    }
    if log.isEnabledFor(logging.INFO):
        log.info("decision", extra={"decision": record})
    if trace.messages is not None:
        record["messages"] = trace.messages
    gw.decisions.append(record)
    gw.traffic.record(trace, status, usage, cost, fallbacks)  # the dashboard's window
    if s is not None:
        gw.metrics.difficulty.observe(s.difficulty)
        gw.metrics.sensitivity.observe(s.sensitivity)


def account_answer(
    gw: Gateway,
    trace: Trace,
    attempts: list[Attempt],
    usage: Usage,
    status: int = 200,
    cached: bool = False,
) -> float:
    """Account a finished answer (JSON, stream or cache hit); returns its cost in USD."""
    m = gw.metrics
    for attempt in attempts:
        m.fallbacks.labels(attempt.target.tier, trace.tier, attempt.kind).inc()
    cost = m.account_tokens(
        trace.tier, trace.model, usage, gw.price(trace.tier), gw.frontier_price(), cached
    )
    m.requests.labels(trace.tier, trace.model, trace.reason, str(status)).inc()
    m.duration.labels(trace.tier).observe(time.perf_counter() - trace.started)
    _decide_record(gw, trace, status, usage, cost, len(attempts))
    return cost


def account_overhead(gw: Gateway, trace: Trace, upstream_seconds: float, until: float) -> None:
    gw.metrics.overhead.observe(max(0.0, until - trace.started - upstream_seconds))


def account_error(gw: Gateway, trace: Trace, exc: GatewayError) -> int:
    status = status_of(exc)
    gw.metrics.requests.labels(trace.tier, trace.model, trace.reason, str(status)).inc()
    gw.metrics.duration.labels(trace.tier).observe(time.perf_counter() - trace.started)
    _decide_record(gw, trace, status, Usage(), 0.0)
    return status
