"""Anthropic answers, usage and errors -> OpenAI shapes (pure translation)."""

from __future__ import annotations

import json

import pytest

from tests.fakes.anthropic import error_body, load_fixture
from workers.anthropic_response import (
    finish_reason,
    openai_usage,
    relayed_error,
    to_chat_completion,
)


def test_text_message_becomes_a_chat_completion() -> None:
    body = to_chat_completion(load_fixture("message.json"), "claude-sonnet-4-5")
    assert body["id"] == "chatcmpl-msg_013Zva2CMHLNnXjNJJKqJ2EF"
    assert body["object"] == "chat.completion"
    assert body["model"] == "claude-sonnet-4-5"
    (choice,) = body["choices"]
    assert choice["message"] == {
        "role": "assistant",
        "content": "Hi! My name is Claude.",
        "refusal": None,
        "annotations": [],
    }
    assert choice["finish_reason"] == "stop"
    assert body["usage"] == {
        "prompt_tokens": 2095,
        "completion_tokens": 503,
        "total_tokens": 2598,
        "prompt_tokens_details": {"cached_tokens": 0},
    }


def test_tool_use_message_becomes_tool_calls() -> None:
    body = to_chat_completion(load_fixture("message_tool_use.json"), "m")
    message = body["choices"][0]["message"]
    assert message["content"] == "I'll check the current weather in San Francisco for you."
    (call,) = message["tool_calls"]
    assert call["id"] == "toolu_01A09q90qw90lq917835lq9"
    assert call["type"] == "function"
    assert call["function"]["name"] == "get_weather"
    assert json.loads(call["function"]["arguments"]) == {
        "location": "San Francisco, CA",
        "unit": "celsius",
    }
    assert body["choices"][0]["finish_reason"] == "tool_calls"


def test_tool_only_answer_has_null_content_and_thinking_is_dropped() -> None:
    message = {
        "id": "msg_1",
        "content": [
            {"type": "thinking", "thinking": "hmm", "signature": "s"},
            {"type": "tool_use", "id": "t", "name": "f", "input": {}},
        ],
        "stop_reason": "tool_use",
        "usage": {"input_tokens": 1, "output_tokens": 2},
    }
    reply = to_chat_completion(message, "m")["choices"][0]["message"]
    assert reply["content"] is None
    assert reply["tool_calls"][0]["function"]["arguments"] == "{}"


@pytest.mark.parametrize(
    ("stop", "finish"),
    [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("pause_turn", "stop"),
        ("max_tokens", "length"),
        ("model_context_window_exceeded", "length"),
        ("tool_use", "tool_calls"),
        ("refusal", "content_filter"),
        (None, None),
    ],
)
def test_finish_reason_mapping(stop: str | None, finish: str | None) -> None:
    assert finish_reason(stop) == finish


def test_usage_counts_cache_reads_and_writes_as_prompt_tokens() -> None:
    usage = openai_usage(
        {
            "input_tokens": 10,
            "cache_read_input_tokens": 100,
            "cache_creation_input_tokens": 5,
            "output_tokens": 7,
        }
    )
    assert usage == {
        "prompt_tokens": 115,
        "completion_tokens": 7,
        "total_tokens": 122,
        "prompt_tokens_details": {"cached_tokens": 100},
    }


@pytest.mark.parametrize(
    ("status", "type_", "code"),
    [
        (400, "invalid_request_error", None),
        (401, "authentication_error", "invalid_api_key"),
        (403, "permission_error", None),
        (404, "invalid_request_error", "not_found"),
        (413, "invalid_request_error", "request_too_large"),
    ],
)
def test_client_errors_keep_status_in_openai_shape(
    status: int, type_: str, code: str | None
) -> None:
    exc = relayed_error(status, error_body(status), {"retry-after": "3", "x-other": "no"})
    assert exc.relayed_status == status
    error = exc.body()["error"]
    assert (error["type"], error["code"], error["param"]) == (type_, code, None)
    assert error["message"]
    assert exc.headers == {"retry-after": "3"}


def test_error_body_that_is_not_json_keeps_its_text() -> None:
    exc = relayed_error(413, b"<html>413 Request Entity Too Large</html>", {})
    assert exc.relayed_status == 413
    assert "413" in exc.message
