"""Request parsing: validation errors are 400s naming the field; unknown fields survive."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from router.errors import InvalidRequestError
from router.protocol import parse_chat_request

# A request as the openai SDK sends it, with fields the gateway does not model.
RECORDED = {
    "messages": [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": [{"type": "text", "text": "Weather in Paris?"}]},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": '{"city":"Paris"}'},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "call_1", "content": '{"temp": 21}'},
    ],
    "model": "auto",
    "tools": [
        {
            "type": "function",
            "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}},
        }
    ],
    "tool_choice": "auto",
    "response_format": {"type": "json_object"},
    "seed": 7,
    "logprobs": True,
    "top_logprobs": 2,
    "stream": True,
    "stream_options": {"include_usage": True},
    "metadata": {"x": "y"},
}


def parse(obj: Any, max_messages: int = 256) -> Any:
    return parse_chat_request(orjson.dumps(obj), max_messages)


def test_recorded_request_round_trips_unchanged() -> None:
    request, payload = parse(RECORDED)
    assert payload == RECORDED
    assert request.include_usage and request.stream
    assert request.model_dump(exclude_unset=True)["tools"] == RECORDED["tools"]


@pytest.mark.parametrize(
    ("body", "param", "fragment"),
    [
        (b"{not json", None, "not valid JSON"),
        (b"[1, 2]", None, "JSON object"),
        (orjson.dumps({"model": "auto"}), "messages", "required"),
        (orjson.dumps({"model": "auto", "messages": []}), "messages", "at least 1"),
        (orjson.dumps({"messages": [{"role": "user", "content": "hi"}]}), "model", "required"),
        (
            orjson.dumps({"model": 5, "messages": [{"role": "user", "content": "x"}]}),
            "model",
            "string",
        ),
        (
            orjson.dumps({"model": "auto", "messages": [{"role": "wizard", "content": "x"}]}),
            "messages.0.role",
            "Input should be",
        ),
        (
            orjson.dumps(
                {"model": "auto", "messages": [{"role": "user", "content": "x"}], "temperature": 9}
            ),
            "temperature",
            "less than or equal",
        ),
        (
            orjson.dumps(
                {
                    "model": "auto",
                    "messages": [{"role": "user", "content": "x"}],
                    "stream": "yes please",
                }
            ),
            "stream",
            "boolean",
        ),
    ],
)
def test_invalid_requests_are_400_with_the_field(
    body: bytes, param: str | None, fragment: str
) -> None:
    with pytest.raises(InvalidRequestError) as info:
        parse_chat_request(body, 256)
    assert info.value.status_code == 400
    assert info.value.param == param
    assert fragment in info.value.message


def test_too_many_messages() -> None:
    body = {"model": "auto", "messages": [{"role": "user", "content": "x"}] * 5}
    with pytest.raises(InvalidRequestError) as info:
        parse(body, max_messages=4)
    assert info.value.instance_code == "too_many_messages"
