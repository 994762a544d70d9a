"""What the dashboard's live panels show, computed from the recent-traffic window. Pure.

Rates (cost per hour) are taken over the time the window actually covers: from its oldest
record to now, at least one minute and at most the configured window, so that a gateway that
started two minutes ago is not averaged over fifteen. Latency percentiles are per tier over
answered requests (status < 400); time to first token is the first streamed chunk for streams
and the whole answer for JSON answers (that is when a non-streaming client sees its first
token). The counterfactual is the same tokens priced at the frontier tier's price.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from router.routing import Price

MIN_SPAN = 60.0
TIERS = {"l": "local", "f": "frontier"}
_CACHE: Mapping[str, str] = {"hit": "h", "miss": "m", "bypass": "b"}


@dataclass(frozen=True, slots=True)
class Sample:
    """One request of the window (router/traffic.py's compact record, unpacked)."""

    at: float
    tier: str  # "local" | "frontier" | "none"
    kind: str  # "a" auto | "s" sensitive | "x" threshold did not choose
    difficulty: float | None
    sensitivity: float | None
    cache: str  # "h" | "m" | "b"
    seconds: float
    ttft: float | None
    cost: float
    prompt_tokens: int
    completion_tokens: int
    fallbacks: int
    status: int

    @classmethod
    def of(cls, r: Sequence[Any]) -> Sample:
        return cls(float(r[0]), TIERS.get(r[1], "none"), r[2], r[3], r[4], r[5], float(r[6]),
                   r[7], float(r[8]), int(r[9]), int(r[10]), int(r[11]), int(r[12]))  # fmt: skip

    def cost_at(self, price: Price) -> float:
        """What this request's tokens cost at `price`."""
        return (self.prompt_tokens * price.input + self.completion_tokens * price.output) / 1e6

    def priced(self, price: Price) -> float:
        """What answering it costs at `price`: nothing for a cache hit (no call was made)."""
        return 0.0 if self.cache == "h" else self.cost_at(price)


def samples_of(records: Sequence[Sequence[Any]]) -> list[Sample]:
    """Unpack records, skipping any that are malformed (another version's, say)."""
    out = []
    for r in records:
        try:
            out.append(Sample.of(r))
        except (IndexError, TypeError, ValueError):
            continue
    return out


def span_hours(samples: Sequence[Sample], window_seconds: float, now: float | None = None) -> float:
    now = time.time() if now is None else now
    oldest = min((s.at for s in samples), default=now)
    return min(max(now - oldest, MIN_SPAN), max(window_seconds, MIN_SPAN)) / 3600.0


def percentile(values: Sequence[float], q: float) -> float | None:
    """Nearest-rank percentile (q in [0, 100]); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100.0 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def histogram(values: Sequence[float | None], bins: int) -> list[int]:
    """Counts of scores in `bins` equal bins over [0, 1] (1.0 falls in the last)."""
    counts = [0] * bins
    for v in values:
        if v is not None:
            counts[min(int(v * bins), bins - 1) if v > 0 else 0] += 1
    return counts


def _latency(samples: Sequence[Sample], tier: str) -> dict[str, float | None]:
    ok = [s for s in samples if s.tier == tier and s.status < 400]
    seconds = [s.seconds for s in ok]
    ttft = [s.ttft if s.ttft is not None else s.seconds for s in ok]
    return {
        "p50": percentile(seconds, 50),
        "p95": percentile(seconds, 95),
        "p99": percentile(seconds, 99),
        "ttft_p50": percentile(ttft, 50),
        "ttft_p95": percentile(ttft, 95),
        "ttft_p99": percentile(ttft, 99),
    }


def summarize(
    samples: Sequence[Sample],
    frontier_price: Price,
    window_seconds: float,
    bins: int = 20,
    now: float | None = None,
) -> dict[str, Any]:
    """Every live panel's numbers for these samples."""
    hours = span_hours(samples, window_seconds, now)
    routed = [s for s in samples if s.tier != "none"]
    per_tier = {t: sum(1 for s in routed if s.tier == t) for t in ("local", "frontier")}
    cost = sum(s.cost for s in samples)
    # As tiergate_counterfactual_cost_usd_total: a cache hit would have been a paid call too.
    counterfactual = sum(s.cost_at(frontier_price) for s in routed)
    cache = {k: sum(1 for s in samples if s.cache == c) for k, c in _CACHE.items()}
    looked_up = cache["hit"] + cache["miss"]
    return {
        "requests": len(samples),
        "errors": sum(1 for s in samples if s.status >= 400),
        "per_tier": per_tier,
        "frontier_share": per_tier["frontier"] / len(routed) if routed else None,
        "hours": hours,
        "cost_per_hour": cost / hours,
        "counterfactual_per_hour": counterfactual / hours,
        "savings_per_hour": (counterfactual - cost) / hours,
        "savings_share": (counterfactual - cost) / counterfactual if counterfactual else None,
        "latency": {t: _latency(samples, t) for t in ("local", "frontier")},
        "cache": {**cache, "hit_ratio": cache["hit"] / looked_up if looked_up else None},
        "fallbacks": sum(1 for s in samples if s.fallbacks),
        "sensitive": sum(1 for s in samples if s.kind == "s"),
        "histograms": {
            "bins": bins,
            "difficulty": histogram([s.difficulty for s in samples], bins),
            "sensitivity": histogram([s.sensitivity for s in samples], bins),
        },
    }
