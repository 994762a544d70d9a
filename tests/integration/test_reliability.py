"""Failures under the gateway: circuit breaker, retries before the first byte, bounded waits,
vLLM saturation spill, a local replica killed mid-stream, and clients that walk away."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import openai
import pytest

from tests.integration.conftest import ALL_LOCAL, Stack

HELLO = [{"role": "user", "content": "Say hello."}]
CARD = [{"role": "user", "content": "Refund card 4111 1111 1111 1111 please."}]
LOCAL_ONLY = {"local": {"targets": ["local-small"], "model": "smollm2-135m"}}


def ask(s: Stack, messages: Any = HELLO, **kw: Any) -> Any:
    return s.client.chat.completions.with_raw_response.create(model="auto", messages=messages, **kw)


def test_breaker_opens_after_n_failures_then_closes_after_cooldown(
    make_stack: Callable[..., Stack],
) -> None:
    s = make_stack(
        thresholds=ALL_LOCAL,
        upstream_overrides={"local-small": {"breaker": {"failures": 2, "cooldown": 1.0}}},
    )
    s.local.behaviour = "status:500"
    reasons = [ask(s).headers["x-tiergate-reason"] for _ in range(6)]
    assert reasons == ["fallback_frontier"] * 6  # every request answered
    assert len(s.local.received) == 2  # then the open breaker spares the local replica
    s.local.behaviour = "ok"
    deadline = time.monotonic() + 5
    while ask(s).headers["x-tiergate-tier"] != "local":
        assert time.monotonic() < deadline, "breaker never closed"
        time.sleep(0.2)


def test_last_target_is_retried_with_backoff(make_stack: Callable[..., Stack]) -> None:
    s = make_stack(
        thresholds=ALL_LOCAL,
        tiers=LOCAL_ONLY,
        upstream_overrides={"local-small": {"retries": 2, "retry_backoff": 0.05}},
    )
    s.local.queue_behaviours("status:500", "status:503")
    raw = ask(s)
    assert raw.parse().choices[0].message.content
    assert len(s.local.received) == 3


def test_sensitive_request_retries_locally_but_never_leaves(
    make_stack: Callable[..., Stack],
) -> None:
    s = make_stack(
        thresholds=ALL_LOCAL,
        upstream_overrides={"local-small": {"retries": 1, "retry_backoff": 0.05}},
    )
    s.local.queue_behaviours("status:500")
    raw = ask(s, CARD)
    assert raw.headers["x-tiergate-reason"] == "sensitive"
    assert len(s.local.received) == 2 and s.hosted.received == []


@pytest.mark.parametrize("stream", [False, True])
def test_hanging_upstream_is_bounded_by_its_timeout(
    make_stack: Callable[..., Stack], stream: bool
) -> None:
    s = make_stack(
        thresholds=ALL_LOCAL,
        tiers=LOCAL_ONLY,
        upstream_overrides={
            "local-small": {"retries": 0, "timeouts": {"connect": 1, "first_byte": 0.5, "total": 2}}
        },
    )
    s.local.behaviour = "hang"
    started = time.monotonic()
    with pytest.raises(openai.APIStatusError) as info:
        result = s.client.chat.completions.create(
            model="auto",
            messages=HELLO,  # type: ignore[arg-type]
            stream=stream,
        )
        list(result) if stream else None  # type: ignore[arg-type]
    assert info.value.status_code == 504
    assert time.monotonic() - started < 5


def test_request_timeout_bounds_the_whole_walk(make_stack: Callable[..., Stack]) -> None:
    s = make_stack(thresholds=ALL_LOCAL, limits={"request_timeout": 0.8})
    s.local.behaviour = s.hosted.behaviour = "slow_first_byte:1.5"
    started = time.monotonic()
    with pytest.raises(openai.APIStatusError) as info:
        ask(s)
    assert info.value.status_code == 504 and time.monotonic() - started < 3


def test_saturated_vllm_spills_to_the_frontier_and_sensitive_stays(
    make_stack: Callable[..., Stack],
) -> None:
    s = make_stack(
        thresholds=ALL_LOCAL,
        upstream_overrides={
            "local-small": {
                "kind": "vllm",
                "saturation": {"max_waiting": 8},
                "health_interval": 0.1,
            }
        },
    )
    assert ask(s).headers["x-tiergate-tier"] == "local"
    s.local.set_metrics({"vllm:num_requests_waiting": 12})
    deadline = time.monotonic() + 5
    while (raw := ask(s)).headers["x-tiergate-reason"] != "local_saturated":
        assert time.monotonic() < deadline, "never spilled"
        time.sleep(0.1)
    assert raw.headers["x-tiergate-tier"] == "frontier"
    sensitive = ask(s, CARD)
    assert (sensitive.headers["x-tiergate-tier"], sensitive.headers["x-tiergate-reason"]) == (
        "local",
        "sensitive",
    )
    assert all("4111" not in str(r) for r in s.hosted.received)
    s.local.set_metrics({"vllm:num_requests_waiting": 0})
    while ask(s).headers["x-tiergate-tier"] != "local":
        assert time.monotonic() < deadline + 5, "never came back"
        time.sleep(0.1)


async def test_local_killed_mid_stream_then_next_requests_fail_over(
    make_stack: Callable[..., Stack],
) -> None:
    s = make_stack(thresholds=ALL_LOCAL)
    s.local.behaviour = "reset_mid_stream"
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            s.url + "/chat/completions", json={"model": "auto", "messages": HELLO, "stream": True}
        ) as resp,
    ):
        events = [e for e in (await resp.read()).split(b"\n\n") if e]
    assert events[-1] == b"data: [DONE]" and b'"error"' in events[-2]
    s.local.stop()  # the replica is gone for good
    for _ in range(3):
        raw = ask(s)
        assert raw.headers["x-tiergate-tier"] == "frontier"
        assert raw.parse().choices[0].message.content


async def test_client_disconnect_cancels_the_upstream_call(
    make_stack: Callable[..., Stack],
) -> None:
    s = make_stack(thresholds=ALL_LOCAL, tiers=LOCAL_ONLY)
    s.local.behaviour = "hang"
    async with aiohttp.ClientSession() as session:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.5):
                await session.post(
                    s.url + "/chat/completions", json={"model": "auto", "messages": HELLO}
                )
    # the gateway closed its upstream connection: the double saw the disconnect
    deadline = time.monotonic() + 5
    while s.local.hits["client disconnected"] == 0:
        assert time.monotonic() < deadline, "the upstream call was not cancelled"
        await asyncio.sleep(0.05)
    text = ""
    while 'status="499"' not in text:
        assert time.monotonic() < deadline, "no 499 recorded"
        async with aiohttp.ClientSession() as session, session.get(s.root + "/metrics") as r:
            text = await r.text()
        await asyncio.sleep(0.05)
