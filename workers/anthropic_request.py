"""OpenAI chat request -> Anthropic Messages request (pure, no I/O).

Anthropic differs from OpenAI in ways a client never sees: system prompts are a top-level field,
not messages; tool results are `tool_result` blocks inside a *user* turn; assistant tool calls
are `tool_use` blocks with parsed `input`, not a JSON string; `max_tokens` is required. Fields
with no Anthropic equivalent are either dropped (pure sampling hints, so the answer is still a
valid answer) or refused with a 400 (the client relies on something Anthropic cannot give, such
as several choices or log-probabilities). docs/providers.md lists every choice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

import orjson

from router.errors import InvalidRequestError

#: Used when the request names neither `max_completion_tokens` nor `max_tokens`.
DEFAULT_MAX_TOKENS: Final = 4096

#: OpenAI fields that are hints only: dropped without an error.
IGNORED_FIELDS: Final = frozenset(
    {
        "frequency_penalty",
        "presence_penalty",
        "seed",
        "logit_bias",
        "service_tier",
        "store",
        "metadata",
        "prediction",
        "reasoning_effort",
        "stream_options",
        "parallel_tool_calls",  # becomes disable_parallel_tool_use
        "web_search_options",
        "verbosity",
    }
)

#: Anthropic-only fields a client may send through (e.g. openai's `extra_body`).
PASSTHROUGH_FIELDS: Final = ("top_k", "thinking")

_DATA_URL: Final = re.compile(r"^data:(?P<media>[\w.+-]+/[\w.+-]+);base64,(?P<data>.*)$", re.S)


def _refuse(message: str, param: str) -> InvalidRequestError:
    return InvalidRequestError(f"{message} (not supported by the Anthropic upstream)", param=param)


def check_unsupported(payload: Mapping[str, Any]) -> None:
    """400 for fields whose meaning Anthropic cannot honour."""
    n = payload.get("n")
    if n is not None and n != 1:
        raise _refuse("n must be 1", "n")
    if payload.get("logprobs") or payload.get("top_logprobs"):
        raise _refuse("logprobs are not available", "logprobs")
    fmt = payload.get("response_format")
    if isinstance(fmt, dict) and fmt.get("type") not in (None, "text"):
        raise _refuse(f"response_format {fmt.get('type')!r} is not available", "response_format")
    modalities = payload.get("modalities")
    if isinstance(modalities, list) and any(m != "text" for m in modalities):
        raise _refuse("only text output is available", "modalities")
    if payload.get("audio") is not None:
        raise _refuse("audio output is not available", "audio")


_CONTENT_SHAPE: Final = "message content must be a string or a list of parts"


def _text_of(content: Any, param: str) -> str:
    """The text of a system/developer/tool message (a string or a list of text parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for part in content:
            if not isinstance(part, dict) or part.get("type") != "text":
                raise _refuse("only text parts are allowed here", param)
            parts.append(str(part.get("text", "")))
        return "".join(parts)
    if content is None:
        return ""
    raise InvalidRequestError(_CONTENT_SHAPE, param=param)


def image_block(part: Mapping[str, Any], param: str) -> dict[str, Any]:
    """An OpenAI `image_url` part as an Anthropic image block (base64 for data: URLs)."""
    spec = part.get("image_url")
    url = spec.get("url") if isinstance(spec, dict) else spec
    if not isinstance(url, str) or not url:
        raise InvalidRequestError("image_url.url is required", param=param)
    match = _DATA_URL.match(url)
    if match:
        source = {"type": "base64", "media_type": match["media"], "data": match["data"]}
        return {"type": "image", "source": source}
    if url.startswith(("http://", "https://")):
        return {"type": "image", "source": {"type": "url", "url": url}}
    raise InvalidRequestError("image_url.url must be an http(s) or base64 data: URL", param=param)


def _content_blocks(content: Any, param: str) -> list[dict[str, Any]]:
    """User or assistant content as Anthropic blocks; empty text is left out (Anthropic
    rejects empty text blocks)."""
    if content is None:
        return []
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    if not isinstance(content, list):
        raise InvalidRequestError(
            "message content must be a string or a list of parts", param=param
        )
    blocks: list[dict[str, Any]] = []
    for i, part in enumerate(content):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind in ("text", "refusal"):
            text = str(part.get(kind) or "")
            if text:
                blocks.append({"type": "text", "text": text})
        elif kind == "image_url":
            blocks.append(image_block(part, f"{param}.{i}"))
        else:
            raise _refuse(f"content part type {kind!r}", f"{param}.{i}")
    return blocks


def _tool_use_blocks(tool_calls: Any, param: str) -> list[dict[str, Any]]:
    blocks = []
    for i, call in enumerate(tool_calls or []):
        fn = call.get("function") if isinstance(call, dict) else None
        if not isinstance(fn, dict) or call.get("type", "function") != "function":
            raise _refuse("only function tool calls", f"{param}.{i}")
        try:
            args = orjson.loads(fn.get("arguments") or "{}")
        except orjson.JSONDecodeError:
            raise InvalidRequestError(
                "tool call arguments must be a JSON object", param=f"{param}.{i}.function.arguments"
            ) from None
        blocks.append(
            {"type": "tool_use", "id": call.get("id"), "name": fn.get("name"), "input": args}
        )
    return blocks


def _append(turns: list[dict[str, Any]], role: str, blocks: list[dict[str, Any]]) -> None:
    """Add blocks as a turn, merged into the previous turn when it has the same role."""
    if not blocks:
        return
    if turns and turns[-1]["role"] == role:
        turns[-1]["content"].extend(blocks)
    else:
        turns.append({"role": role, "content": blocks})


def convert_messages(messages: Any) -> tuple[str | None, list[dict[str, Any]]]:
    """(system prompt, Anthropic turns). System and developer messages are hoisted."""
    if not isinstance(messages, list) or not messages:
        raise InvalidRequestError("messages must be a non-empty list", param="messages")
    system: list[str] = []
    turns: list[dict[str, Any]] = []
    for i, msg in enumerate(messages):
        param = f"messages.{i}"
        role = msg.get("role") if isinstance(msg, dict) else None
        if role in ("system", "developer"):
            system.append(_text_of(msg.get("content"), f"{param}.content"))
        elif role == "user":
            _append(turns, "user", _content_blocks(msg.get("content"), f"{param}.content"))
        elif role == "assistant":
            blocks = _content_blocks(msg.get("content"), f"{param}.content")
            blocks += _tool_use_blocks(msg.get("tool_calls"), f"{param}.tool_calls")
            _append(turns, "assistant", blocks)
        elif role == "tool":
            result = {
                "type": "tool_result",
                "tool_use_id": msg.get("tool_call_id"),
                "content": _text_of(msg.get("content"), f"{param}.content"),
            }
            _append(turns, "user", [result])
        else:
            raise _refuse(f"message role {role!r}", f"{param}.role")
    return ("\n\n".join(system) if system else None), turns


def convert_tools(tools: Any) -> list[dict[str, Any]]:
    out = []
    for i, tool in enumerate(tools):
        fn = tool.get("function") if isinstance(tool, dict) else None
        if not isinstance(fn, dict) or tool.get("type") != "function":
            raise _refuse("only function tools", f"tools.{i}")
        spec: dict[str, Any] = {"name": fn.get("name")}
        if fn.get("description"):
            spec["description"] = fn["description"]
        spec["input_schema"] = fn.get("parameters") or {"type": "object", "properties": {}}
        out.append(spec)
    return out


def convert_tool_choice(choice: Any, parallel: Any) -> dict[str, Any] | None:
    """OpenAI tool_choice (+ parallel_tool_calls) -> Anthropic tool_choice."""
    if choice is None and parallel is not False:
        return None
    if choice is None or choice == "auto":
        out: dict[str, Any] = {"type": "auto"}
    elif choice == "required":
        out = {"type": "any"}
    elif choice == "none":
        return {"type": "none"}
    elif isinstance(choice, dict) and isinstance(choice.get("function"), dict):
        out = {"type": "tool", "name": choice["function"].get("name")}
    else:
        raise InvalidRequestError(f"unknown tool_choice {choice!r}", param="tool_choice")
    if parallel is False:
        out["disable_parallel_tool_use"] = True
    return out


def _sampling(payload: Mapping[str, Any], body: dict[str, Any]) -> None:
    for key in ("temperature", "top_p", *PASSTHROUGH_FIELDS):
        if payload.get(key) is not None:
            body[key] = payload[key]
    stop = payload.get("stop")
    if isinstance(stop, str):
        body["stop_sequences"] = [stop]
    elif isinstance(stop, list) and stop:
        body["stop_sequences"] = list(stop)
    user = payload.get("user")
    if isinstance(user, str) and user:
        body["metadata"] = {"user_id": user}


def to_messages_request(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The Anthropic `POST /v1/messages` body for an OpenAI chat completions payload."""
    check_unsupported(payload)
    system, turns = convert_messages(payload.get("messages"))
    max_tokens = payload.get("max_completion_tokens") or payload.get("max_tokens")
    body: dict[str, Any] = {
        "model": payload.get("model"),
        "max_tokens": max_tokens or DEFAULT_MAX_TOKENS,
        "messages": turns,
    }
    if system is not None:
        body["system"] = system
    _sampling(payload, body)
    tools = payload.get("tools")
    if isinstance(tools, list) and tools:
        body["tools"] = convert_tools(tools)
        choice = convert_tool_choice(payload.get("tool_choice"), payload.get("parallel_tool_calls"))
        if choice is not None:
            body["tool_choice"] = choice
    if payload.get("stream"):
        body["stream"] = True
    return body
