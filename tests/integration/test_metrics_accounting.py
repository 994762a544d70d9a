"""After a scripted mix of requests through upstream doubles, the counters and the cost and
savings sums equal the values computed by hand from the prices and token counts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.conftest import ALL_LOCAL, Stack

LOCAL_PRICE = {"input": 0.5, "output": 1.0}
FRONTIER_PRICE = {"input": 2.0, "output": 8.0}
LOCAL_USAGE = {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150}
HOSTED_USAGE = {"prompt_tokens": 200, "completion_tokens": 80, "total_tokens": 280}


def usd(tokens: dict[str, int], price: dict[str, float]) -> float:
    return (
        tokens["prompt_tokens"] * price["input"] + tokens["completion_tokens"] * price["output"]
    ) / 1e6


async def scrape(s: Stack) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    async with aiohttp.ClientSession() as session, session.get(s.root + "/metrics") as resp:
        text = await resp.text()
    out = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def value(
    m: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    return m.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def stack(make_stack: Callable[..., Stack]) -> Stack:
    s = make_stack(
        thresholds=ALL_LOCAL,
        tiers={
            "local": {"targets": ["local-small"], "model": "smollm2-135m", "price": LOCAL_PRICE},
            "frontier": {"targets": ["hosted"], "model": "gpt-4.1", "price": FRONTIER_PRICE},
        },
    )
    s.local.usage = dict(LOCAL_USAGE)
    s.hosted.usage = dict(HOSTED_USAGE)
    return s


def ask(s: Stack, model: str, content: str, **kw: Any) -> Any:
    return s.client.chat.completions.with_raw_response.create(
        model=model, messages=[{"role": "user", "content": content}], temperature=0, **kw
    )


async def test_costs_savings_and_counters_add_up(stack: Stack) -> None:
    s = stack
    assert ask(s, "auto", "q1").headers["x-tiergate-cache"] == "miss"  # local, paid
    assert ask(s, "auto", "q1").headers["x-tiergate-cache"] == "hit"  # local, from cache
    assert ask(s, "frontier", "q2").headers["x-tiergate-cache"] == "miss"  # frontier, paid
    assert ask(s, "frontier", "q2").headers["x-tiergate-cache"] == "hit"  # frontier, cached
    for _ in ask(s, "auto", "q3", stream=True).parse():  # local stream, usage from upstream
        pass
    s.local.behaviour = "status:500"
    fallback = ask(s, "auto", "q4")  # local fails -> frontier, paid at frontier price
    assert fallback.headers["x-tiergate-reason"] == "fallback_frontier"

    local, hosted = usd(LOCAL_USAGE, LOCAL_PRICE), usd(HOSTED_USAGE, FRONTIER_PRICE)
    local_at_frontier = usd(LOCAL_USAGE, FRONTIER_PRICE)
    m = await scrape(s)
    assert value(m, "tiergate_cost_usd_total", tier="local", model="smollm2-135m") == pytest.approx(
        2 * local
    )
    assert value(m, "tiergate_cost_usd_total", tier="frontier", model="gpt-4.1") == pytest.approx(
        2 * hosted
    )
    # every answered request is priced at the frontier: 3 local-sized, 3 frontier-sized
    assert value(m, "tiergate_counterfactual_cost_usd_total") == pytest.approx(
        3 * local_at_frontier + 3 * hosted
    )
    assert value(m, "tiergate_saved_usd_total", reason="local_tier") == pytest.approx(
        3 * (local_at_frontier - local)
    )
    assert value(m, "tiergate_saved_usd_total", reason="cache") == pytest.approx(local + hosted)
    saved = sum(value(m, "tiergate_saved_usd_total", reason=r) for r in ("local_tier", "cache"))
    cost = 2 * local + 2 * hosted
    assert saved == pytest.approx(value(m, "tiergate_counterfactual_cost_usd_total") - cost)

    assert (
        value(m, "tiergate_tokens_total", tier="local", model="smollm2-135m", kind="prompt") == 200
    )
    assert (
        value(m, "tiergate_tokens_total", tier="frontier", model="gpt-4.1", kind="completion")
        == 160
    )
    assert (
        value(
            m,
            "tiergate_requests_total",
            tier="local",
            model="smollm2-135m",
            reason="easy",
            status="200",
        )
        == 3
    )
    assert (
        value(
            m,
            "tiergate_requests_total",
            tier="frontier",
            model="gpt-4.1",
            reason="forced",
            status="200",
        )
        == 2
    )
    assert (
        value(
            m,
            "tiergate_requests_total",
            tier="frontier",
            model="gpt-4.1",
            reason="fallback_frontier",
            status="200",
        )
        == 1
    )
    assert value(m, "tiergate_cache_requests_total", result="hit") == 2
    assert value(m, "tiergate_cache_requests_total", result="miss") == 4
    assert (
        value(
            m, "tiergate_fallbacks_total", from_tier="local", to_tier="frontier", cause="status_5xx"
        )
        == 1
    )
    assert (
        value(m, "tiergate_upstream_errors_total", upstream="local-small", kind="status_5xx") == 1
    )
    assert value(m, "tiergate_overhead_seconds_count") == 6
    assert value(m, "tiergate_difficulty_score_count") == 6
    assert value(m, "tiergate_time_to_first_token_seconds_count", tier="local") == 1


async def test_label_values_stay_bounded(stack: Stack) -> None:
    for i in range(5):
        ask(stack, "auto", f"question {i}", extra_headers={"x-request-id": f"req-{i}"})
    m = await scrape(stack)
    labels = {v for (_, lbls) in m for (_, v) in lbls}
    assert not any(v.startswith("req-") or v.startswith("question") for v in labels)
