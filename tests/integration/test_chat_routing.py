"""Routing through a running gateway, seen from the official openai SDK: tiers, forced models,
headers, fallback, and the rule that a sensitive request never reaches the hosted upstream."""

from __future__ import annotations

from collections.abc import Callable

import openai
import pytest

from tests.integration.conftest import ALL_FRONTIER, ALL_LOCAL, HOSTED_KEY, Stack

HEADERS = (
    "x-request-id",
    "x-tiergate-tier",
    "x-tiergate-model",
    "x-tiergate-difficulty",
    "x-tiergate-sensitivity",
    "x-tiergate-reason",
    "x-tiergate-cache",
    "x-tiergate-cost-usd",
)
HELLO = [{"role": "user", "content": "Say hello."}]
CARD = [{"role": "user", "content": "Charge my card 4111 1111 1111 1111 for the order."}]


def test_easy_request_goes_local_with_every_header(make_stack: Callable[..., Stack]) -> None:
    s = make_stack(thresholds=ALL_LOCAL)
    raw = s.client.chat.completions.with_raw_response.create(model="auto", messages=HELLO)
    completion = raw.parse()
    assert completion.choices[0].message.content
    for name in HEADERS:
        assert raw.headers.get(name), name
    assert raw.headers["x-tiergate-tier"] == "local"
    assert raw.headers["x-tiergate-model"] == "smollm2-135m"
    assert raw.headers["x-tiergate-reason"] == "easy"
    assert float(raw.headers["x-tiergate-cost-usd"]) == 0.0
    assert s.local.received[-1]["model"] == "smollm2-135m"
    assert s.hosted.received == []


def test_difficult_request_goes_to_the_frontier_with_its_key_and_cost(
    make_stack: Callable[..., Stack],
) -> None:
    s = make_stack(thresholds=ALL_FRONTIER)
    raw = s.client.chat.completions.with_raw_response.create(model="auto", messages=HELLO)
    completion = raw.parse()
    assert (raw.headers["x-tiergate-tier"], raw.headers["x-tiergate-reason"]) == (
        "frontier",
        "difficult",
    )
    assert s.hosted.received[-1]["model"] == "gpt-4.1"
    assert s.hosted.received_headers[-1]["authorization"] == f"Bearer {HOSTED_KEY}"
    usage = completion.usage
    assert usage is not None
    expected = (usage.prompt_tokens * 2.0 + usage.completion_tokens * 8.0) / 1e6
    assert float(raw.headers["x-tiergate-cost-usd"]) == pytest.approx(expected, abs=1e-8)


@pytest.mark.parametrize(
    ("model", "tier", "upstream_model"),
    [
        ("local", "local", "smollm2-135m"),
        ("smollm2-135m", "local", "smollm2-135m"),
        ("frontier", "frontier", "gpt-4.1"),
        ("gpt-4.1", "frontier", "gpt-4.1"),
    ],
)
def test_tier_and_model_names_force_the_target(
    make_stack: Callable[..., Stack], model: str, tier: str, upstream_model: str
) -> None:
    s = make_stack(thresholds=ALL_LOCAL if tier == "frontier" else ALL_FRONTIER)
    raw = s.client.chat.completions.with_raw_response.create(model=model, messages=HELLO)
    assert raw.headers["x-tiergate-tier"] == tier
    assert raw.headers["x-tiergate-reason"] == "forced"
    double = s.local if tier == "local" else s.hosted
    assert double.received[-1]["model"] == upstream_model


@pytest.mark.parametrize(
    "messages",
    [
        CARD,
        [
            {"role": "system", "content": "Internal key: AKIAIOSFODNN7EXAMPLE"},
            {"role": "user", "content": "Summarise our plan."},
        ],
        [
            {"role": "user", "content": "Look this up"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "lookup", "arguments": '{"q": "x"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "SSN on file: 536-22-1234"},
            {"role": "user", "content": "Thanks, what next?"},
        ],
    ],
)
def test_sensitive_request_stays_local_even_when_difficult(
    make_stack: Callable[..., Stack], messages: list[dict[str, object]]
) -> None:
    s = make_stack(thresholds=ALL_FRONTIER)
    raw = s.client.chat.completions.with_raw_response.create(model="auto", messages=messages)  # type: ignore[arg-type]
    assert (raw.headers["x-tiergate-tier"], raw.headers["x-tiergate-reason"]) == (
        "local",
        "sensitive",
    )
    assert float(raw.headers["x-tiergate-sensitivity"]) > 0
    assert len(s.local.received) == 1
    assert s.hosted.received == []


@pytest.mark.parametrize("model", ["frontier", "gpt-4.1"])
def test_sensitive_request_forced_to_frontier_is_403_and_never_forwarded(
    gw: Stack, model: str
) -> None:
    with pytest.raises(openai.PermissionDeniedError) as info:
        gw.client.chat.completions.create(model=model, messages=CARD)  # type: ignore[arg-type]
    assert "CREDIT_CARD" in info.value.message
    assert info.value.response.headers["x-request-id"]
    assert gw.hosted.received == [] and gw.local.received == []


@pytest.mark.parametrize(
    "behaviour", ["status:500", "status:503", "malformed_json", "slow_first_byte:3", "status:429"]
)
def test_local_failure_before_first_byte_falls_back_to_the_frontier(
    make_stack: Callable[..., Stack], behaviour: str
) -> None:
    s = make_stack(thresholds=ALL_LOCAL)
    s.local.behaviour = behaviour
    raw = s.client.chat.completions.with_raw_response.create(model="auto", messages=HELLO)
    assert raw.parse().choices[0].message.content
    assert (raw.headers["x-tiergate-tier"], raw.headers["x-tiergate-reason"]) == (
        "frontier",
        "fallback_frontier",
    )
    assert len(s.local.received) == 1 and len(s.hosted.received) == 1


def test_sensitive_request_never_falls_back_to_the_frontier(
    make_stack: Callable[..., Stack],
) -> None:
    s = make_stack(thresholds=ALL_LOCAL)
    s.local.behaviour = "status:500"
    with pytest.raises(openai.APIStatusError) as info:
        s.client.chat.completions.create(model="auto", messages=CARD)  # type: ignore[arg-type]
    assert info.value.status_code == 502
    assert s.hosted.received == []


def test_sensitive_request_fails_closed_when_local_is_down(
    make_stack: Callable[..., Stack],
) -> None:
    s = make_stack(thresholds=ALL_LOCAL)
    s.local.stop()  # connection refused: marked unhealthy at once
    raw = s.client.chat.completions.with_raw_response.create(model="auto", messages=HELLO)
    assert raw.headers["x-tiergate-reason"] == "fallback_frontier"
    # local is now known to be down: a sensitive request has nowhere it may go
    with pytest.raises(openai.APIStatusError) as info:
        s.client.chat.completions.create(model="auto", messages=CARD)  # type: ignore[arg-type]
    assert info.value.status_code == 503
    assert all("4111" not in str(r) for r in s.hosted.received)


def test_upstream_4xx_is_relayed_as_is_without_fallback(make_stack: Callable[..., Stack]) -> None:
    s = make_stack(thresholds=ALL_LOCAL)
    s.local.behaviour = "status:400"
    with pytest.raises(openai.BadRequestError) as info:
        s.client.chat.completions.create(model="auto", messages=HELLO)
    assert info.value.status_code == 400
    assert s.hosted.received == []


def test_every_target_rate_limited_is_429(make_stack: Callable[..., Stack]) -> None:
    s = make_stack(thresholds=ALL_LOCAL)
    s.local.behaviour = s.hosted.behaviour = "status:429"
    with pytest.raises(openai.RateLimitError) as info:
        s.client.chat.completions.create(model="auto", messages=HELLO)
    assert info.value.response.headers.get("retry-after")


def test_unknown_fields_reach_the_upstream_unchanged(make_stack: Callable[..., Stack]) -> None:
    s = make_stack(thresholds=ALL_LOCAL)
    tools = [
        {
            "type": "function",
            "function": {
                "name": "f",
                "description": "d",
                "parameters": {"type": "object", "properties": {"a": {"type": "integer"}}},
            },
        }
    ]
    s.client.chat.completions.create(
        model="auto",
        messages=HELLO,
        tools=tools,
        tool_choice="auto",  # type: ignore[arg-type]
        response_format={"type": "json_object"},
        seed=42,
        logprobs=True,
        top_logprobs=3,
        extra_body={"vendor_knob": {"nested": [1, 2]}},
    )
    sent = s.local.received[-1]
    assert sent["tools"] == tools and sent["tool_choice"] == "auto"
    assert sent["response_format"] == {"type": "json_object"}
    assert (sent["seed"], sent["logprobs"], sent["top_logprobs"]) == (42, True, 3)
    assert sent["vendor_knob"] == {"nested": [1, 2]}
