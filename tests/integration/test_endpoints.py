"""The non-chat endpoints: models, route (dry run), health, readiness, metrics."""

from __future__ import annotations

import time
from collections.abc import Callable

import aiohttp
import pytest

from tests.integration.conftest import ALL_LOCAL, Stack

HELLO = [{"role": "user", "content": "Say hello."}]


def test_models_lists_auto_tiers_and_models(gw: Stack) -> None:
    ids = [m.id for m in gw.client.models.list()]
    assert ids == ["auto", "local", "smollm2-135m", "frontier", "gpt-4.1"]


async def test_route_dry_run_decides_without_calling_any_model(gw: Stack) -> None:
    body = {
        "model": "auto",
        "messages": [
            {"role": "user", "content": "Bill card 4111 1111 1111 1111, receipt to a.b@example.com"}
        ],
    }
    async with (
        aiohttp.ClientSession() as session,
        session.post(gw.url + "/route", json=body) as resp,
    ):
        assert resp.status == 200
        decision = await resp.json()
    assert decision["tier"] == "local" and decision["reason"] == "sensitive"
    found = {(e["type"], e["start"], e["end"]) for e in decision["scores"]["entities"]}
    assert {("CREDIT_CARD", 10, 29), ("EMAIL", 42, 57)} <= found
    assert [t["upstream"] for t in decision["targets"]] == ["local-small"]
    assert gw.local.received == [] and gw.hosted.received == []


async def test_route_dry_run_returns_the_same_refusal(gw: Stack) -> None:
    body = {"model": "frontier", "messages": [{"role": "user", "content": "SSN 536-22-1234"}]}
    async with (
        aiohttp.ClientSession() as session,
        session.post(gw.url + "/route", json=body) as resp,
    ):
        assert resp.status == 403
        assert (await resp.json())["error"]["code"] == "sensitive_data"


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.get(url) as resp:
        return resp.status, await resp.text()


async def test_healthz_and_readyz_follow_the_local_replica(
    make_stack: Callable[..., Stack],
) -> None:
    s = make_stack()
    assert (await get(s.root + "/healthz"))[0] == 200
    assert (await get(s.root + "/readyz"))[0] == 200
    s.local.healthy = False
    deadline = time.monotonic() + 5
    while (await get(s.root + "/readyz"))[0] != 503:
        assert time.monotonic() < deadline, "readyz did not turn 503"
        time.sleep(0.1)
    assert (await get(s.root + "/healthz"))[0] == 200
    s.local.healthy = True
    while (await get(s.root + "/readyz"))[0] != 200:
        assert time.monotonic() < deadline + 5, "readyz did not recover"
        time.sleep(0.1)


@pytest.mark.parametrize("stream", [False, True])
async def test_metrics_count_requests_latency_and_tiers(
    make_stack: Callable[..., Stack], stream: bool
) -> None:
    s = make_stack(thresholds=ALL_LOCAL)
    for _ in range(3):
        result = s.client.chat.completions.create(
            model="auto",
            messages=HELLO,  # type: ignore[arg-type]
            stream=stream,
        )
        if stream:
            list(result)  # type: ignore[arg-type]
    status, text = await get(s.root + "/metrics")
    assert status == 200
    line = (
        'tiergate_requests_total{model="smollm2-135m",reason="easy",status="200",tier="local"} 3.0'
    )
    assert line in text
    assert 'tiergate_request_duration_seconds_count{tier="local"} 3.0' in text
    assert "tiergate_overhead_seconds_count 3.0" in text
    assert 'tiergate_upstream_healthy{upstream="local-small"} 1.0' in text
    assert 'tiergate_threshold{name="difficulty"} 1.0' in text
    if stream:
        assert 'tiergate_time_to_first_token_seconds_count{tier="local"} 3.0' in text
