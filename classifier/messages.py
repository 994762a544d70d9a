"""Text extraction from OpenAI chat messages, defensive about every shape the wire allows.

A message's `content` may be a string, None, or a list of parts (text, image, audio, file);
assistant messages may carry `tool_calls` whose arguments are JSON strings, and `tool` messages
carry results. Requests arrive from arbitrary clients, so nothing here raises: anything that is
not text counts as empty.

Offsets convention: the *text of a message* is its content text (text parts joined with a
newline), followed, for each tool call with string arguments, by a newline and those
arguments. Entity offsets with `message=i` index into `message_text(messages[i])`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


def content_text(content: Any) -> str:
    """The text of a `content` field: a string as is, text parts joined with newlines."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return ""
    texts = []
    for part in content:
        if isinstance(part, Mapping):
            text = part.get("text")
            if isinstance(text, str):
                texts.append(text)
        elif isinstance(part, str):
            texts.append(part)
    return "\n".join(texts)


def _tool_arguments(message: Mapping[str, Any]) -> list[str]:
    calls = message.get("tool_calls")
    if not isinstance(calls, list):
        return []
    arguments = []
    for call in calls:
        function = call.get("function") if isinstance(call, Mapping) else None
        args = function.get("arguments") if isinstance(function, Mapping) else None
        if isinstance(args, str):
            arguments.append(args)
    return arguments


def message_text(message: Any) -> str:
    """All text of one message: content text, then each tool call's arguments on a new line."""
    if not isinstance(message, Mapping):
        return ""
    text = content_text(message.get("content"))
    for args in _tool_arguments(message):
        text = f"{text}\n{args}"
    return text


def last_user_index(messages: Sequence[Any]) -> int:
    """Index of the last message with role `user`, or -1 when there is none."""
    for i in range(len(messages) - 1, -1, -1):
        message = messages[i]
        if isinstance(message, Mapping) and message.get("role") == "user":
            return i
    return -1


def count_turns(messages: Sequence[Any]) -> int:
    """Number of user and assistant messages (the conversation's length, system excluded)."""
    return sum(
        1 for m in messages if isinstance(m, Mapping) and m.get("role") in {"user", "assistant"}
    )
