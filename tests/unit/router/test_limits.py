"""Tenant limits without I/O: in-process counters, the budget rule, the max_tokens cap."""

from __future__ import annotations

from typing import Any

import pytest

from router.auth import Caller
from router.errors import InvalidRequestError, RateLimitError
from router.limits import Limiter, MemoryCounters, Quota, cap_max_tokens, within_budget
from router.policy import Route, Target, keep_local
from router.protocol import parse_chat_request
from router.routing import TenantPolicy, parse_routing

ROUTING = parse_routing(
    {
        "upstreams": {
            "small": {"kind": "llamacpp", "base_url": "http://127.0.0.1:1/v1"},
            "big": {"kind": "openai", "base_url": "http://127.0.0.1:2/v1"},
        },
        "tiers": {
            "local": {"targets": ["small"], "model": "smollm2-135m"},
            "frontier": {"targets": ["big"], "model": "gpt-4.1"},
        },
    }
)
LOCAL = Target("small", "local", "smollm2-135m")
BIG = Target("big", "frontier", "gpt-4.1")
TO_FRONTIER = Route("frontier", "gpt-4.1", "difficult", False, (BIG, LOCAL))
TO_LOCAL = Route("local", "smollm2-135m", "easy", False, (LOCAL, BIG))


def caller(**policy: Any) -> Caller:
    return Caller("team", None, TenantPolicy(**policy))


class Clock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


async def test_rpm_is_enforced_per_minute_with_retry_after() -> None:
    clock = Clock(60 * 1000 + 45)  # 45 s into a minute
    limiter = Limiter(MemoryCounters(), clock)
    for _ in range(3):
        await limiter.admit(caller(rpm=3))
    with pytest.raises(RateLimitError) as err:
        await limiter.admit(caller(rpm=3))
    assert err.value.headers == {"Retry-After": "15"}
    assert err.value.body()["error"]["code"] == "rate_limit_exceeded"
    clock.now += 15  # the next minute
    await limiter.admit(caller(rpm=3))


async def test_tokens_are_charged_after_the_answer_and_checked_before_the_next() -> None:
    limiter = Limiter(MemoryCounters(), Clock())
    await limiter.admit(caller(tpm=100))
    limiter.charge("team", 100, 0.0)
    await limiter.drain()  # the charge runs in the background
    with pytest.raises(RateLimitError, match="100 tokens per minute"):
        await limiter.admit(caller(tpm=100))
    assert (await limiter.admit(caller(tpm=1000))) == Quota(0.0)


async def test_usd_spent_today_is_reported_and_tenants_are_separate() -> None:
    limiter = Limiter(MemoryCounters(), Clock())
    limiter.charge("team", 10, 0.25)
    limiter.charge("team", 10, 0.5)
    await limiter.drain()
    assert (await limiter.admit(caller(usd_per_day=1.0))).spent_usd == 0.75
    other = Caller("other", None, TenantPolicy(usd_per_day=1.0))
    assert (await limiter.admit(other)).spent_usd == 0.0


async def test_unmetered_callers_cost_nothing() -> None:
    limiter = Limiter(MemoryCounters(), Clock())
    for _ in range(100):
        assert await limiter.admit(Caller("free")) == Quota()


def test_budget_nearly_spent_downgrades_frontier_routes_when_configured() -> None:
    c = caller(usd_per_day=1.0, budget_downgrade=True)
    route = within_budget(TO_FRONTIER, c, Quota(0.95), ROUTING)
    assert (route.tier, route.reason, route.targets) == ("local", "budget_downgrade", (LOCAL,))
    # Local routes lose their frontier fallback, keep their reason.
    assert within_budget(TO_LOCAL, c, Quota(0.95), ROUTING).targets == (LOCAL,)
    assert within_budget(TO_FRONTIER, c, Quota(0.5), ROUTING) is TO_FRONTIER


def test_budget_spent_without_downgrade_is_429_until_tomorrow() -> None:
    c = caller(usd_per_day=1.0)
    assert within_budget(TO_FRONTIER, c, Quota(0.95), ROUTING) is TO_FRONTIER
    with pytest.raises(RateLimitError) as err:
        within_budget(TO_FRONTIER, c, Quota(1.0), ROUTING)
    assert err.value.body()["error"]["code"] == "budget_exceeded"
    assert 0 < int(err.value.headers["Retry-After"]) <= 86400
    assert within_budget(TO_LOCAL, c, Quota(5.0), ROUTING).targets == (LOCAL,)


def test_budget_downgrade_without_a_local_target_is_429_once_spent() -> None:
    c = caller(usd_per_day=1.0, budget_downgrade=True)
    only_frontier = Route("frontier", "gpt-4.1", "forced", False, (BIG,))
    assert within_budget(only_frontier, c, Quota(0.95), ROUTING) is only_frontier
    with pytest.raises(RateLimitError):
        within_budget(only_frontier, c, Quota(1.0), ROUTING)


def test_keep_local_is_pure() -> None:
    assert keep_local(TO_FRONTIER, "smollm2-135m", "x") == Route(
        "local", "smollm2-135m", "x", False, (LOCAL,)
    )
    assert keep_local(Route("frontier", "gpt-4.1", "forced", False, (BIG,)), "m", "x") is None


def body(**fields: Any) -> tuple[Any, dict[str, Any]]:
    import orjson

    doc = {"model": "auto", "messages": [{"role": "user", "content": "hi"}], **fields}
    return parse_chat_request(orjson.dumps(doc), 10)


def test_max_tokens_cap() -> None:
    capped = caller(max_tokens=100)
    request, payload = body()
    cap_max_tokens(request, payload, capped)
    assert payload["max_tokens"] == 100
    request, payload = body(max_tokens=50)
    cap_max_tokens(request, payload, capped)
    assert payload["max_tokens"] == 50
    for name in ("max_tokens", "max_completion_tokens"):
        request, payload = body(**{name: 101})
        with pytest.raises(InvalidRequestError) as err:
            cap_max_tokens(request, payload, capped)
        assert err.value.param == name
    request, payload = body()
    cap_max_tokens(request, payload, caller())
    assert "max_tokens" not in payload
