"""Anthropic Messages answers and errors -> their OpenAI shapes (pure, no I/O).

A client talking to tiergate speaks OpenAI whatever answered: the completion, its usage and
`finish_reason`, and the error body and HTTP status are all OpenAI's. Usage follows OpenAI's
meaning: `prompt_tokens` counts every input token, cached ones included (Anthropic reports
cache reads and writes apart from `input_tokens`), and `prompt_tokens_details.cached_tokens`
says how many were cache reads.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any, Final

import orjson

from router.errors import RelayedError

FINISH_REASONS: Final = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "pause_turn": "stop",
    "max_tokens": "length",
    "model_context_window_exceeded": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}

#: Anthropic error type -> (OpenAI error type, code), for the client's 4xx errors.
ERROR_TYPES: Final = {
    "invalid_request_error": ("invalid_request_error", None),
    "authentication_error": ("authentication_error", "invalid_api_key"),
    "permission_error": ("permission_error", None),
    "not_found_error": ("invalid_request_error", "not_found"),
    "request_too_large": ("invalid_request_error", "request_too_large"),
    "billing_error": ("invalid_request_error", "billing_error"),
}


def finish_reason(stop_reason: Any) -> str | None:
    if stop_reason is None:
        return None
    return FINISH_REASONS.get(str(stop_reason), "stop")


def openai_usage(usage: Any) -> dict[str, Any]:
    """Anthropic usage (message or cumulative message_delta usage) as OpenAI usage."""
    u = usage if isinstance(usage, Mapping) else {}
    cached = int(u.get("cache_read_input_tokens") or 0)
    prompt = (
        int(u.get("input_tokens") or 0) + cached + int(u.get("cache_creation_input_tokens") or 0)
    )
    completion = int(u.get("output_tokens") or 0)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": cached},
    }


def completion_id(message_id: Any) -> str:
    return f"chatcmpl-{message_id}" if message_id else "chatcmpl-anthropic"


def tool_call(block: Mapping[str, Any]) -> dict[str, Any]:
    arguments = orjson.dumps(block.get("input") or {}).decode()
    return {
        "id": block.get("id"),
        "type": "function",
        "function": {"name": block.get("name"), "arguments": arguments},
    }


def to_chat_completion(message: Mapping[str, Any], model: str) -> dict[str, Any]:
    """An Anthropic `message` as an OpenAI `chat.completion` (thinking blocks are left out)."""
    texts: list[str] = []
    calls: list[dict[str, Any]] = []
    for block in message.get("content") or []:
        if not isinstance(block, Mapping):
            continue
        if block.get("type") == "text":
            texts.append(str(block.get("text") or ""))
        elif block.get("type") == "tool_use":
            calls.append(tool_call(block))
    reply: dict[str, Any] = {
        "role": "assistant",
        "content": "".join(texts) if texts or not calls else None,
        "refusal": None,
        "annotations": [],
    }
    if calls:
        reply["tool_calls"] = calls
    return {
        "id": completion_id(message.get("id")),
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": reply,
                "logprobs": None,
                "finish_reason": finish_reason(message.get("stop_reason")) or "stop",
            }
        ],
        "usage": openai_usage(message.get("usage")),
    }


def error_detail(raw: bytes) -> tuple[str, str]:
    """(Anthropic error type, message) from an error body `{"type": "error", "error": {...}}`."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        data = None
    err = data.get("error") if isinstance(data, dict) else None
    if isinstance(err, dict):
        return str(err.get("type") or "api_error"), str(err.get("message") or "")
    return "api_error", raw[:300].decode(errors="replace")


def openai_error(status: int, kind: str, message: str, headers: Mapping[str, str]) -> RelayedError:
    """An Anthropic 4xx (the client's fault) as an OpenAI-shaped error with the same status."""
    type_, code = ERROR_TYPES.get(kind, ("invalid_request_error", kind))
    keep = {k: v for k, v in headers.items() if k.lower() == "retry-after"}
    return RelayedError(
        status,
        message or f"Anthropic returned HTTP {status} ({kind})",
        type_=type_,
        param=None,
        code=code,
        headers=keep,
    )


def relayed_error(status: int, raw: bytes, headers: Mapping[str, str]) -> RelayedError:
    """`openai_error` for a raw Anthropic error body."""
    kind, message = error_detail(raw)
    return openai_error(status, kind, message, headers)
