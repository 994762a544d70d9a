"""OpenAI chat payloads -> Anthropic Messages requests (pure translation)."""

from __future__ import annotations

from typing import Any

import pytest

from router.errors import InvalidRequestError
from workers.anthropic_request import (
    DEFAULT_MAX_TOKENS,
    IGNORED_FIELDS,
    convert_tool_choice,
    image_block,
    to_messages_request,
)


def request(**fields: Any) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "model": "claude-sonnet-4-5",
        "messages": [{"role": "user", "content": "Hi"}],
    }
    payload.update(fields)
    return to_messages_request(payload)


def test_minimal_request_gets_the_default_max_tokens() -> None:
    assert request() == {
        "model": "claude-sonnet-4-5",
        "max_tokens": DEFAULT_MAX_TOKENS,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "Hi"}]}],
    }


def test_max_completion_tokens_wins_over_max_tokens() -> None:
    assert request(max_tokens=10)["max_tokens"] == 10
    assert request(max_tokens=10, max_completion_tokens=20)["max_tokens"] == 20


def test_system_and_developer_messages_are_hoisted_and_joined() -> None:
    body = request(
        messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "developer", "content": [{"type": "text", "text": "Use French."}]},
            {"role": "user", "content": "Hi"},
        ]
    )
    assert body["system"] == "Be brief.\n\nUse French."
    assert [m["role"] for m in body["messages"]] == ["user"]


def test_multi_turn_with_tool_calls_and_results() -> None:
    body = request(
        messages=[
            {"role": "user", "content": "Weather in Paris and Rome?"},
            {
                "role": "assistant",
                "content": "Checking.",
                "tool_calls": [
                    {
                        "id": "t1",
                        "type": "function",
                        "function": {"name": "w", "arguments": '{"c": "Paris"}'},
                    },
                    {
                        "id": "t2",
                        "type": "function",
                        "function": {"name": "w", "arguments": '{"c": "Rome"}'},
                    },
                ],
            },
            {"role": "tool", "tool_call_id": "t1", "content": "sunny"},
            {"role": "tool", "tool_call_id": "t2", "content": [{"type": "text", "text": "rain"}]},
            {"role": "user", "content": "Thanks. Which is warmer?"},
        ]
    )
    assert [m["role"] for m in body["messages"]] == ["user", "assistant", "user"]
    assert body["messages"][1]["content"] == [
        {"type": "text", "text": "Checking."},
        {"type": "tool_use", "id": "t1", "name": "w", "input": {"c": "Paris"}},
        {"type": "tool_use", "id": "t2", "name": "w", "input": {"c": "Rome"}},
    ]
    assert body["messages"][2]["content"] == [
        {"type": "tool_result", "tool_use_id": "t1", "content": "sunny"},
        {"type": "tool_result", "tool_use_id": "t2", "content": "rain"},
        {"type": "text", "text": "Thanks. Which is warmer?"},
    ]


def test_images_become_base64_or_url_sources() -> None:
    data = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
    assert image_block(data, "p") == {
        "type": "image",
        "source": {"type": "base64", "media_type": "image/png", "data": "iVBORw0KGgo="},
    }
    web = {
        "type": "image_url",
        "image_url": {"url": "https://example.com/cat.jpg", "detail": "high"},
    }
    assert image_block(web, "p") == {
        "type": "image",
        "source": {"type": "url", "url": "https://example.com/cat.jpg"},
    }
    with pytest.raises(InvalidRequestError):
        image_block({"type": "image_url", "image_url": {"url": "ftp://x/y.png"}}, "p")


def test_sampling_stop_and_user() -> None:
    body = request(temperature=0.3, top_p=0.9, stop="END", user="u-1", top_k=5)
    assert (body["temperature"], body["top_p"], body["top_k"]) == (0.3, 0.9, 5)
    assert body["stop_sequences"] == ["END"]
    assert body["metadata"] == {"user_id": "u-1"}
    assert request(stop=["a", "b"])["stop_sequences"] == ["a", "b"]


def test_hint_only_fields_are_dropped() -> None:
    hints = {"seed": 1, "presence_penalty": 0.5, "frequency_penalty": 0.5, "store": True}
    assert set(hints) <= IGNORED_FIELDS
    body = request(**hints, stream_options={"include_usage": True}, n=1)
    assert not set(body) & {*hints, "stream_options", "n"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("n", 2),
        ("logprobs", True),
        ("top_logprobs", 3),
        ("response_format", {"type": "json_object"}),
        ("modalities", ["text", "audio"]),
    ],
)
def test_fields_anthropic_cannot_honour_are_a_400(field: str, value: Any) -> None:
    with pytest.raises(InvalidRequestError) as caught:
        request(**{field: value})
    assert caught.value.status_code == 400
    assert "Anthropic" in caught.value.message


def test_tools_and_tool_choice() -> None:
    tool = {
        "type": "function",
        "function": {"name": "w", "description": "weather", "parameters": {"type": "object"}},
    }
    body = request(tools=[tool], tool_choice={"type": "function", "function": {"name": "w"}})
    assert body["tools"] == [
        {"name": "w", "description": "weather", "input_schema": {"type": "object"}}
    ]
    assert body["tool_choice"] == {"type": "tool", "name": "w"}
    bare = request(tools=[{"type": "function", "function": {"name": "x"}}])
    assert bare["tools"][0]["input_schema"] == {"type": "object", "properties": {}}
    assert "tool_choice" not in bare
    assert "tool_choice" not in request(tool_choice="auto")  # no tools: nothing to choose


@pytest.mark.parametrize(
    ("choice", "parallel", "expected"),
    [
        ("auto", None, {"type": "auto"}),
        ("required", None, {"type": "any"}),
        ("none", None, {"type": "none"}),
        (None, False, {"type": "auto", "disable_parallel_tool_use": True}),
        ("required", False, {"type": "any", "disable_parallel_tool_use": True}),
        (None, None, None),
    ],
)
def test_tool_choice_mapping(choice: Any, parallel: Any, expected: Any) -> None:
    assert convert_tool_choice(choice, parallel) == expected


def test_stream_flag_is_kept() -> None:
    assert request(stream=True)["stream"] is True


def test_bad_tool_arguments_and_roles_are_a_400() -> None:
    bad_args = {
        "role": "assistant",
        "tool_calls": [
            {"id": "t", "type": "function", "function": {"name": "w", "arguments": "{"}}
        ],
    }
    with pytest.raises(InvalidRequestError):
        request(messages=[{"role": "user", "content": "x"}, bad_args])
    with pytest.raises(InvalidRequestError):
        request(messages=[{"role": "function", "name": "f", "content": "x"}])
    with pytest.raises(InvalidRequestError):
        request(messages=[])
