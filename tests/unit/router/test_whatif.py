"""The what-if projection and the dashboard's aggregation: pure functions over window samples."""

from __future__ import annotations

from typing import Any

import pytest

from router.routing import Price
from router.stats import Sample, histogram, percentile, samples_of, span_hours, summarize
from router.whatif import (
    Reliability,
    project,
    threshold_for_budget,
    threshold_for_share,
    tier_at,
)

PRICES = {"local": Price(), "frontier": Price(input=2.0, output=8.0)}
NOW = 10_000.0


def sample(
    difficulty: float,
    tier: str = "local",
    kind: str = "a",
    cache: str = "m",
    tokens: tuple[int, int] = (1000, 1000),
    **kw: object,
) -> Sample:
    fields: dict[str, object] = {
        "at": NOW - 30, "tier": tier, "kind": kind, "difficulty": difficulty, "sensitivity": 0.0,
        "cache": cache, "seconds": 0.1, "ttft": None, "cost": 0.0,
        "prompt_tokens": tokens[0], "completion_tokens": tokens[1], "fallbacks": 0, "status": 200,
    }  # fmt: skip
    fields.update(kw)
    return Sample(**fields)  # type: ignore[arg-type]


def test_only_auto_routed_requests_move_with_the_threshold() -> None:
    assert tier_at(sample(0.9), 0.5) == "frontier"
    assert tier_at(sample(0.1, tier="frontier"), 0.5) == "local"
    assert tier_at(sample(0.99, kind="s"), 0.0) == "local"  # sensitive stays local
    assert tier_at(sample(0.0, tier="frontier", kind="x"), 1.0) == "frontier"  # forced stays


def test_projection_counts_share_cost_and_expected_shortfall() -> None:
    samples = [sample(d / 10) for d in range(10)]  # 0.0 .. 0.9
    p = project(samples, 0.5, PRICES, hours=1.0)
    assert p.requests == 10
    assert p.frontier_share == pytest.approx(0.5)
    # 5 frontier requests of 1000 + 1000 tokens at 2 / 8 USD per million
    assert p.cost_per_hour == pytest.approx(5 * 0.01)
    # local ones: difficulties 0.0..0.4 sum to 1.0, over 10 requests / over 5 local ones
    assert p.shortfall_share == pytest.approx(0.1)
    assert p.local_shortfall == pytest.approx(0.2)


def test_lower_threshold_sends_more_to_the_frontier_and_costs_more() -> None:
    samples = [sample(d / 20) for d in range(20)]
    shares = [project(samples, t / 10, PRICES, 1.0) for t in range(11)]
    fractions = [p.frontier_share or 0.0 for p in shares]
    assert fractions == sorted(fractions, reverse=True)
    assert shares[0].cost_per_hour > shares[-1].cost_per_hour
    assert shares[0].shortfall_share == 0.0


def test_sensitive_and_cached_requests_cost_nothing_on_the_frontier_side() -> None:
    samples = [sample(0.9, kind="s"), sample(0.9, cache="h"), sample(0.9)]
    p = project(samples, 0.0, PRICES, 1.0)
    assert p.frontier_share == pytest.approx(2 / 3)
    assert p.cost_per_hour == pytest.approx(0.01)  # only the uncached auto request pays


def test_target_share_gives_the_quantile_threshold() -> None:
    samples = [sample(d / 100) for d in range(100)]
    t = threshold_for_share(samples, 0.2)
    assert project(samples, t, PRICES, 1.0).frontier_share == pytest.approx(0.2)


def test_target_share_counts_requests_the_threshold_cannot_move() -> None:
    fixed = [sample(0.0, tier="frontier", kind="x") for _ in range(10)]
    samples = fixed + [sample(d / 90) for d in range(90)]
    t = threshold_for_share(samples, 0.3)
    assert project(samples, t, PRICES, 1.0).frontier_share == pytest.approx(0.3)


def test_target_share_without_auto_traffic_is_an_error() -> None:
    with pytest.raises(ValueError, match="no recent"):
        threshold_for_share([sample(0.5, kind="s")], 0.5)


def test_budget_gives_the_lowest_threshold_that_fits() -> None:
    samples = [sample(d / 100) for d in range(100)]
    t = threshold_for_budget(samples, 0.2, PRICES, 1.0)  # 20 frontier requests at 0.01 each
    assert project(samples, t, PRICES, 1.0).cost_per_hour <= 0.2 + 1e-9
    assert project(samples, t - 0.02, PRICES, 1.0).cost_per_hour > 0.2
    assert threshold_for_budget(samples, 100.0, PRICES, 1.0) == 0.0


def test_reliability_bins_from_the_model_card_correct_the_score() -> None:
    card = {
        "calibration": {
            "reliability": [
                {"predicted": 0.1, "observed": 0.2, "count": 10},
                {"predicted": 0.5, "observed": 0.4, "count": 10},
                {"predicted": 0.7, "observed": 0.9, "count": 0},  # empty: skipped
                {"mean_predicted": 0.9, "observed_rate": 0.8, "count": 10},
            ]
        }
    }
    r = Reliability.from_card(card)
    assert r.predicted == (0.1, 0.5, 0.9)
    assert r.correct(0.0) == 0.2 and r.correct(1.0) == 0.8
    assert r.correct(0.3) == pytest.approx(0.3)
    assert "reliability bins" in r.source
    identity = Reliability.from_card({"metrics": {}})
    assert identity.correct(0.37) == 0.37 and "no reliability bins" in identity.source
    p = project([sample(0.3)], 1.0, PRICES, 1.0, r)
    assert p.shortfall_share == pytest.approx(0.3)


def test_summary_of_the_window() -> None:
    samples = [
        sample(0.2, seconds=0.1),
        sample(0.7, tier="frontier", seconds=0.5, ttft=0.05, fallbacks=1, cost=0.01),
        sample(0.1, cache="h", cost=0.0),
        sample(0.9, tier="none", kind="x", status=400, tokens=(0, 0)),
    ]
    frontier_cost = 0.01
    s = summarize(samples, PRICES["frontier"], 900.0, bins=10, now=NOW)
    assert s["requests"] == 4 and s["errors"] == 1
    assert s["per_tier"] == {"local": 2, "frontier": 1}
    assert s["frontier_share"] == pytest.approx(1 / 3)
    hours = 60 / 3600  # the window covers 30 s: rates are taken over at least a minute
    assert s["cost_per_hour"] == pytest.approx(frontier_cost / hours)
    assert s["counterfactual_per_hour"] == pytest.approx(3 * 0.01 / hours)
    assert s["savings_share"] == pytest.approx(2 / 3)
    assert s["cache"] == {"hit": 1, "miss": 3, "bypass": 0, "hit_ratio": 0.25}
    assert s["fallbacks"] == 1
    assert s["latency"]["frontier"]["p50"] == 0.5 and s["latency"]["frontier"]["ttft_p50"] == 0.05
    assert s["latency"]["local"]["ttft_p99"] == 0.1  # a JSON answer's first token is its end
    assert s["histograms"]["difficulty"] == [0, 1, 1, 0, 0, 0, 0, 1, 0, 1]


def test_helpers() -> None:
    assert percentile([], 50) is None
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0 and percentile([1.0, 2.0], 99) == 2.0
    assert histogram([0.0, 0.05, 1.0, None], 4) == [2, 0, 0, 1]
    assert span_hours([], 900.0, NOW) == 60 / 3600
    assert span_hours([sample(0.1, at=NOW - 5000)], 900.0, NOW) == 900 / 3600
    raw: list[list[Any]] = [
        [NOW, "f", "a", 0.5, 0.0, "m", 0.2, None, 0.01, 10, 20, 0, 200, "x"],
        ["bad"],
    ]
    (only,) = samples_of(raw)
    assert only.tier == "frontier" and only.completion_tokens == 20
