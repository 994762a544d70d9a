from __future__ import annotations

from typing import Any

import pytest

from classifier.messages import content_text, count_turns, last_user_index, message_text


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("hi", "hi"),
        (None, ""),
        (42, ""),
        (
            [
                {"type": "text", "text": "a"},
                {"type": "image_url", "image_url": {"url": "x"}},
                {"type": "text", "text": "b"},
            ],
            "a\nb",
        ),
        ([{"type": "text", "text": None}, "raw", 3], "raw"),
    ],
)
def test_content_text_keeps_text_and_ignores_everything_else(content: Any, expected: str) -> None:
    assert content_text(content) == expected


def test_message_text_appends_tool_call_arguments_on_new_lines() -> None:
    message = {
        "role": "assistant",
        "content": "calling",
        "tool_calls": [
            {"id": "1", "type": "function", "function": {"name": "f", "arguments": '{"a": 1}'}},
            {"id": "2", "type": "function", "function": {"name": "g", "arguments": None}},
            "junk",
        ],
    }
    assert message_text(message) == 'calling\n{"a": 1}'


def test_message_text_of_non_mapping_is_empty() -> None:
    assert message_text("not a message") == ""


def test_last_user_index_and_turns() -> None:
    chat = [{"role": "system"}, {"role": "user"}, {"role": "assistant"}, {"role": "tool"}, None]
    assert last_user_index(chat) == 1
    assert last_user_index([{"role": "system"}]) == -1
    assert count_turns(chat) == 2
