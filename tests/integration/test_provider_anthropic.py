"""A `kind: anthropic` frontier behind the gateway, driven by the official openai SDK.

The frontier is the Anthropic double on 127.0.0.1 replaying the documented wire format; the
client sees OpenAI's shapes only: text, tool calls, streamed deltas, usage, finish_reason and
errors with the status OpenAI would use.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import openai
import pytest
from openai.types.chat import ChatCompletionFunctionToolParam, ChatCompletionMessageParam

from router.app import create_app
from router.routing import parse_routing
from router.settings import Settings
from tests.fakes.anthropic import AnthropicDouble
from tests.fakes.server import serve_in_thread
from tests.fakes.upstream import UpstreamDouble

ANTHROPIC_KEY = "sk-ant-test-secret"
WEATHER_TOOL: ChatCompletionFunctionToolParam = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {"location": {"type": "string"}, "unit": {"type": "string"}},
            "required": ["location"],
        },
    },
}


@dataclass
class ClaudeStack:
    client: openai.OpenAI
    claude: AnthropicDouble
    local: UpstreamDouble


def _routing(local: UpstreamDouble, claude: AnthropicDouble) -> Any:
    timeouts = {"connect": 1.0, "first_byte": 3.0, "total": 10.0}
    return parse_routing(
        {
            "upstreams": {
                "local-small": {"kind": "llamacpp", "base_url": local.url, "timeouts": timeouts},
                "claude": {
                    "kind": "anthropic",
                    "base_url": claude.url,
                    "api_key_env": "ANTHROPIC_API_KEY",
                    "timeouts": timeouts,
                },
            },
            "tiers": {
                "local": {"targets": ["local-small"], "model": "smollm2-135m"},
                "frontier": {"targets": ["claude"], "model": "claude-sonnet-4-5"},
            },
            "thresholds": {"difficulty": 0.0, "sensitivity": 0.5},
        }
    )


@pytest.fixture
def stack(make_upstream_double: Callable[..., UpstreamDouble]) -> Iterator[ClaudeStack]:
    with contextlib.ExitStack() as stack, AnthropicDouble() as claude:
        local = make_upstream_double(model_name="smollm2-135m")
        app = create_app(
            Settings(launch_workers=False),
            _routing(local, claude),
            env={"ANTHROPIC_API_KEY": ANTHROPIC_KEY},
        )
        root = stack.enter_context(serve_in_thread(app))
        client = openai.OpenAI(
            base_url=root + "/v1", api_key="sk-client", max_retries=0, timeout=15
        )
        stack.callback(client.close)
        yield ClaudeStack(client, claude, local)


HELLO: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hello, Claude"}]


def test_text_answer_arrives_as_an_openai_chat_completion(stack: ClaudeStack) -> None:
    raw = stack.client.chat.completions.with_raw_response.create(model="frontier", messages=HELLO)
    answer = raw.parse()
    assert raw.headers["x-tiergate-tier"] == "frontier"
    assert answer.object == "chat.completion"
    assert answer.id == "chatcmpl-msg_013Zva2CMHLNnXjNJJKqJ2EF"
    assert answer.model == "claude-sonnet-4-5"
    choice = answer.choices[0]
    assert choice.message.role == "assistant"
    assert choice.message.content == "Hi! My name is Claude."
    assert choice.message.tool_calls is None
    assert choice.finish_reason == "stop"
    assert answer.usage is not None
    assert (answer.usage.prompt_tokens, answer.usage.completion_tokens) == (2095, 503)
    assert answer.usage.total_tokens == 2598


def test_request_is_translated_to_the_messages_api(stack: ClaudeStack) -> None:
    stack.client.chat.completions.create(
        model="frontier",
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Weather in SF?"},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "toolu_1",
                        "type": "function",
                        "function": {"name": "get_weather", "arguments": '{"location": "SF"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "toolu_1", "content": "15 degrees, fog"},
        ],
        tools=[WEATHER_TOOL],
        stop="\n\nHuman:",
        temperature=0.2,
        user="user-42",
    )
    sent, headers = stack.claude.last_request, stack.claude.received_headers[-1]
    assert headers["x-api-key"] == ANTHROPIC_KEY
    assert headers["anthropic-version"] == "2023-06-01"
    assert "authorization" not in headers
    assert sent["model"] == "claude-sonnet-4-5"
    assert sent["system"] == "Be brief."
    assert sent["max_tokens"] == 4096
    assert sent["stop_sequences"] == ["\n\nHuman:"]
    assert sent["temperature"] == 0.2
    assert sent["metadata"] == {"user_id": "user-42"}
    assert [m["role"] for m in sent["messages"]] == ["user", "assistant", "user"]
    assert sent["messages"][1]["content"] == [
        {"type": "tool_use", "id": "toolu_1", "name": "get_weather", "input": {"location": "SF"}}
    ]
    assert sent["messages"][2]["content"] == [
        {"type": "tool_result", "tool_use_id": "toolu_1", "content": "15 degrees, fog"}
    ]
    assert sent["tools"][0]["name"] == "get_weather"
    assert sent["tools"][0]["input_schema"]["required"] == ["location"]
    assert "stream_options" not in sent and "n" not in sent


def test_tool_calls_arrive_in_openai_shape(stack: ClaudeStack) -> None:
    stack.claude.behaviour = "tool_use"
    answer = stack.client.chat.completions.create(
        model="frontier",
        messages=[{"role": "user", "content": "Weather in SF?"}],
        tools=[WEATHER_TOOL],
        tool_choice="required",
        max_tokens=300,
    )
    choice = answer.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content == "I'll check the current weather in San Francisco for you."
    assert choice.message.tool_calls is not None
    (call,) = choice.message.tool_calls
    assert call.id == "toolu_01A09q90qw90lq917835lq9"
    assert call.type == "function"
    assert call.function.name == "get_weather"
    assert json.loads(call.function.arguments) == {
        "location": "San Francisco, CA",
        "unit": "celsius",
    }
    sent = stack.claude.last_request
    assert sent["tool_choice"] == {"type": "any"}
    assert sent["max_tokens"] == 300


def test_streamed_text_deltas_and_usage(stack: ClaudeStack) -> None:
    chunks = list(
        stack.client.chat.completions.create(
            model="frontier",
            messages=HELLO,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    assert stack.claude.last_request["stream"] is True
    assert {c.id for c in chunks} == {"chatcmpl-msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY"}
    assert all(
        c.object == "chat.completion.chunk" and c.model == "claude-sonnet-4-5" for c in chunks
    )
    assert chunks[0].choices[0].delta.role == "assistant"
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == "Hello!"
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices]
    assert finishes[-1] == "stop" and finishes.count("stop") == 1
    usage_chunk = chunks[-1]
    assert usage_chunk.choices == []
    assert usage_chunk.usage is not None
    assert (usage_chunk.usage.prompt_tokens, usage_chunk.usage.completion_tokens) == (25, 15)
    assert usage_chunk.usage.total_tokens == 40


def test_stream_without_include_usage_has_no_usage_chunk(stack: ClaudeStack) -> None:
    chunks = list(
        stack.client.chat.completions.create(model="frontier", messages=HELLO, stream=True)
    )
    assert all(c.choices for c in chunks)
    assert "".join(c.choices[0].delta.content or "" for c in chunks) == "Hello!"


def test_streamed_tool_call_deltas_arrive_in_openai_shape(stack: ClaudeStack) -> None:
    stack.claude.behaviour = "tool_use"
    chunks = list(
        stack.client.chat.completions.create(
            model="frontier",
            messages=[{"role": "user", "content": "Weather in SF?"}],
            tools=[WEATHER_TOOL],
            stream=True,
        )
    )
    deltas = [c.choices[0].delta for c in chunks if c.choices]
    calls = [tc for d in deltas for tc in (d.tool_calls or [])]
    first = calls[0]
    assert (first.index, first.id, first.type) == (0, "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "function")
    assert first.function is not None
    assert (first.function.name, first.function.arguments) == ("get_weather", "")
    assert all(tc.index == 0 and tc.id is None for tc in calls[1:])
    arguments = "".join(tc.function.arguments or "" for tc in calls if tc.function)
    assert json.loads(arguments) == {"location": "San Francisco, CA", "unit": "fahrenheit"}
    text = "".join(d.content or "" for d in deltas)
    assert text == "Okay, let's check the weather for San Francisco, CA:"
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_mid_stream_error_event_ends_with_an_error_chunk(stack: ClaudeStack) -> None:
    stack.claude.behaviour = "stream_error"
    stream = stack.client.chat.completions.create(model="frontier", messages=HELLO, stream=True)
    seen = []
    with pytest.raises(openai.APIError, match="upstream stream failed"):
        for chunk in stream:
            seen.append(chunk.choices[0].delta.content or "")
    assert "".join(seen) == "Hello"


@pytest.mark.parametrize(
    ("status", "error", "expected_status"),
    [
        (400, openai.BadRequestError, 400),
        (401, openai.InternalServerError, 502),  # our key was refused: not the client's fault
        (403, openai.InternalServerError, 502),
        (404, openai.NotFoundError, 404),
        (413, openai.APIStatusError, 413),
        (429, openai.RateLimitError, 429),
        (529, openai.APIStatusError, 502),
        (500, openai.InternalServerError, 502),
    ],
)
def test_anthropic_errors_map_to_openai_errors(
    stack: ClaudeStack, status: int, error: type[openai.APIStatusError], expected_status: int
) -> None:
    """4xx are relayed with their status; 429/5xx/529 fail over, and when the local tier fails
    the same way the gateway answers 429 (all rate limited) or 502 (all failed)."""
    stack.claude.behaviour = f"status:{status}"
    stack.local.behaviour = f"status:{500 if status == 529 else status}"
    with pytest.raises(error) as caught:
        stack.client.chat.completions.create(model="frontier", messages=HELLO)
    assert caught.value.status_code == expected_status
    body = caught.value.body
    assert isinstance(body, dict)
    assert set(body) >= {"message", "type", "param", "code"}
    assert stack.claude.hits["POST /v1/messages"] == 1


@pytest.mark.parametrize("status", [429, 500, 529])
def test_overloaded_or_rate_limited_anthropic_falls_back_to_local(
    stack: ClaudeStack, status: int
) -> None:
    stack.claude.behaviour = f"status:{status}"
    raw = stack.client.chat.completions.with_raw_response.create(model="frontier", messages=HELLO)
    assert raw.headers["x-tiergate-tier"] == "local"
    assert raw.parse().choices[0].message.content
    assert stack.claude.hits["POST /v1/messages"] == 1


def test_client_errors_keep_anthropic_message_in_openai_shape(stack: ClaudeStack) -> None:
    stack.claude.behaviour = "status:400"
    with pytest.raises(openai.BadRequestError) as caught:
        stack.client.chat.completions.create(model="frontier", messages=HELLO, stream=True)
    body = caught.value.body
    assert isinstance(body, dict)
    assert body["message"] == "max_tokens: Field required"
    assert body["type"] == "invalid_request_error"


def test_anthropic_rejecting_our_key_is_a_502_without_its_text(stack: ClaudeStack) -> None:
    stack.claude.behaviour = "status:401"
    with pytest.raises(openai.InternalServerError) as caught:
        stack.client.chat.completions.create(model="frontier", messages=HELLO, stream=True)
    body = caught.value.body
    assert isinstance(body, dict)
    assert (body["type"], body["code"]) == ("upstream_error", "upstream_auth_failed")
    assert "x-api-key" not in caught.value.response.text


def test_unsupported_field_is_refused_before_calling_anthropic(stack: ClaudeStack) -> None:
    with pytest.raises(openai.BadRequestError, match="n must be 1"):
        stack.client.chat.completions.create(model="frontier", messages=HELLO, n=2)
    assert stack.claude.received == []
