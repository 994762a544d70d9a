"""Every Prometheus collector tiergate exports, declared once, on a registry owned by the app.

Names and labels are DESIGN.md's; dashboards and benchmarks rely on them. Label values are
bounded: tiers, configured model and upstream names, reasons, statuses, error kinds — never
request ids or tenants.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TypeVar

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.metrics import MetricWrapperBase

from router.routing import Price

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
OVERHEAD_BUCKETS = (0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1)
SCORE_BUCKETS = tuple(round(i / 20, 2) for i in range(1, 21))


M = TypeVar("M", bound=MetricWrapperBase)


def memoised(metric: M) -> M:
    """`metric` with its `labels()` memoised: a call costs ~1.1 µs (argument checks, a lock, a
    dict), a memo hit ~0.2 µs, and a request makes about seven. The label values are bounded
    (above), so the memo is too."""
    metric.labels = functools.cache(metric.labels)  # type: ignore[method-assign]
    return metric


@dataclass(frozen=True, slots=True)
class Usage:
    prompt_tokens: int = 0
    completion_tokens: int = 0


class Metrics:
    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = memoised(
            Counter(
                "tiergate_requests_total",
                "Chat completion requests answered",
                ["tier", "model", "reason", "status"],
                registry=r,
            )
        )
        self.duration = memoised(
            Histogram(
                "tiergate_request_duration_seconds",
                "Request duration, to the last byte",
                ["tier"],
                buckets=LATENCY_BUCKETS,
                registry=r,
            )
        )
        self.ttft = memoised(
            Histogram(
                "tiergate_time_to_first_token_seconds",
                "Time to the first streamed chunk",
                ["tier"],
                buckets=LATENCY_BUCKETS,
                registry=r,
            )
        )
        self.overhead = Histogram(
            "tiergate_overhead_seconds",
            "Time spent in the gateway itself (total minus upstream wait)",
            buckets=OVERHEAD_BUCKETS,
            registry=r,
        )
        self.tokens = memoised(
            Counter(
                "tiergate_tokens_total",
                "Tokens by tier, model and kind",
                ["tier", "model", "kind"],
                registry=r,
            )
        )
        self.cost = memoised(
            Counter(
                "tiergate_cost_usd_total",
                "What the traffic cost, in USD",
                ["tier", "model"],
                registry=r,
            )
        )
        self.counterfactual = Counter(
            "tiergate_counterfactual_cost_usd_total",
            "What the same tokens would have cost on the frontier",
            registry=r,
        )
        self.saved = memoised(
            Counter(
                "tiergate_saved_usd_total",
                "USD avoided versus all-frontier",
                ["reason"],
                registry=r,
            )
        )
        self.cache = memoised(
            Counter(
                "tiergate_cache_requests_total", "Cache lookups by result", ["result"], registry=r
            )
        )
        self.difficulty = Histogram(
            "tiergate_difficulty_score", "Difficulty scores", buckets=SCORE_BUCKETS, registry=r
        )
        self.sensitivity = Histogram(
            "tiergate_sensitivity_score", "Sensitivity scores", buckets=SCORE_BUCKETS, registry=r
        )
        self.fallbacks = Counter(
            "tiergate_fallbacks_total",
            "Moves to another target",
            ["from_tier", "to_tier", "cause"],
            registry=r,
        )
        self.upstream_errors = Counter(
            "tiergate_upstream_errors_total",
            "Failed upstream calls",
            ["upstream", "kind"],
            registry=r,
        )
        self.threshold = Gauge(
            "tiergate_threshold", "Routing thresholds in force", ["name"], registry=r
        )
        self.upstream_healthy = Gauge(
            "tiergate_upstream_healthy",
            "1 if the upstream answers its health probe",
            ["upstream"],
            registry=r,
        )

    def account_tokens(
        self,
        tier: str,
        model: str,
        usage: Usage,
        price: Price,
        frontier_price: Price,
        cached: bool = False,
    ) -> float:
        """Count tokens, cost, the all-frontier counterfactual and what was saved; returns the
        cost. A cache hit costs nothing: its tier's full price is saved (`cache`), and on the
        local tier the gap to the frontier price is saved too (`local_tier`), so the savings
        always add up to counterfactual minus cost."""
        p, c = usage.prompt_tokens, usage.completion_tokens
        tier_cost = (p * price.input + c * price.output) / 1e6
        frontier = (p * frontier_price.input + c * frontier_price.output) / 1e6
        self.counterfactual.inc(frontier)
        if tier == "local" and frontier > tier_cost:
            self.saved.labels("local_tier").inc(frontier - tier_cost)
        if cached:
            self.saved.labels("cache").inc(tier_cost)
            return 0.0
        if p:
            self.tokens.labels(tier, model, "prompt").inc(p)
        if c:
            self.tokens.labels(tier, model, "completion").inc(c)
        self.cost.labels(tier, model).inc(tier_cost)
        return tier_cost
