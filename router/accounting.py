"""Step 7 of a request: metrics and the decision record, for answers, streams and errors.

The decision record is one structured log line per request (no prompt or completion text);
a later issue adds the Redis stream / JSONL sink behind the same call.
"""

from __future__ import annotations

import logging
import time

from router.errors import GatewayError, status_of
from router.gateway import Gateway
from router.metrics import Usage
from router.trace import Trace
from workers.fallback import Attempt, Served

log = logging.getLogger("tiergate.decision")


def record_failure(gw: Gateway, attempt: Attempt) -> None:
    gw.metrics.upstream_errors.labels(attempt.target.upstream, attempt.kind).inc()


def record_scores(gw: Gateway, trace: Trace) -> None:
    if trace.scores is not None:
        gw.metrics.difficulty.observe(trace.scores.difficulty)
        gw.metrics.sensitivity.observe(trace.scores.sensitivity)


def _decision(trace: Trace, status: int, usage: Usage, cost: float, seconds: float) -> None:
    if not log.isEnabledFor(logging.INFO):
        return
    s = trace.scores
    log.info(
        "decision",
        extra={
            "decision": {
                "request_id": trace.request_id,
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
        },
    )


def account_answer(
    gw: Gateway, trace: Trace, served: Served, usage: Usage, status: int = 200
) -> float:
    """Account a finished answer (JSON or stream); returns its cost in USD."""
    m = gw.metrics
    now = time.perf_counter()
    total = now - trace.started
    for attempt in served.attempts:
        m.fallbacks.labels(attempt.target.tier, served.target.tier, attempt.kind).inc()
    cost = m.account_tokens(
        trace.tier, trace.model, usage, gw.price(trace.tier), gw.frontier_price()
    )
    m.requests.labels(trace.tier, trace.model, trace.reason, str(status)).inc()
    m.duration.labels(trace.tier).observe(total)
    record_scores(gw, trace)
    _decision(trace, status, usage, cost, total)
    return cost


def account_overhead(gw: Gateway, trace: Trace, upstream_seconds: float, until: float) -> None:
    gw.metrics.overhead.observe(max(0.0, until - trace.started - upstream_seconds))


def account_error(gw: Gateway, trace: Trace, exc: GatewayError) -> int:
    status = status_of(exc)
    gw.metrics.requests.labels(trace.tier, trace.model, trace.reason, str(status)).inc()
    gw.metrics.duration.labels(trace.tier).observe(time.perf_counter() - trace.started)
    record_scores(gw, trace)
    _decision(trace, status, Usage(), 0.0, time.perf_counter() - trace.started)
    return status
