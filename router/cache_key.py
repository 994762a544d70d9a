"""The canonical cache key: equivalent requests hash alike, anything that changes the answer
does not.

Normalised away: key order and JSON whitespace (the key hashes a sorted, compact dump), `null`
values, parameters left at their documented default (temperature 1, top_p 1, n 1, penalties 0,
logprobs false, stream false), integral floats (`0.0` is `0`), a content list holding one text
part (it is the same as the plain string), and fields that never change the answer
(stream_options, user, metadata, store, service tier). Kept: every other field, unknown ones
included — an unknown field might change the answer, so it must split the key.
The tenant, the route's tier and the model are part of the hashed value: nothing is shared
across tenants or tiers by construction.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import orjson

KEY_PREFIX = "tiergate:cache:v1:"

NOT_ANSWER_CHANGING = frozenset(
    {
        "model",
        "stream_options",
        "user",
        "metadata",
        "store",
        "service_tier",
        "prompt_cache_key",
        "safety_identifier",
    }
)
DEFAULTS: Mapping[str, Any] = {
    "temperature": 1,
    "top_p": 1,
    "n": 1,
    "presence_penalty": 0,
    "frequency_penalty": 0,
    "logprobs": False,
    "stream": False,  # kept otherwise: a stream is stored and replayed as a stream
}


def _normal(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _normal(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_normal(v) for v in value]
    return value


def _message(message: Any) -> Any:
    if not isinstance(message, dict):
        return _normal(message)
    out = _normal(message)
    content = out.get("content")
    if (
        isinstance(content, list)
        and len(content) == 1
        and isinstance(content[0], dict)
        and content[0].get("type") == "text"
        and set(content[0]) == {"type", "text"}
    ):
        out["content"] = content[0]["text"]
    return out


def canonical_request(payload: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in payload.items():
        if key in NOT_ANSWER_CHANGING or value is None:
            continue
        if key == "messages" and isinstance(value, list):
            out[key] = [_message(m) for m in value]
            continue
        value = _normal(value)
        if key in DEFAULTS and value == DEFAULTS[key] and type(value) is type(DEFAULTS[key]):
            continue
        out[key] = value
    return out


def cache_key(tenant: str, tier: str, model: str, payload: Mapping[str, Any]) -> str:
    material = orjson.dumps(
        [tenant, tier, model, canonical_request(payload)], option=orjson.OPT_SORT_KEYS
    )
    return KEY_PREFIX + hashlib.sha256(material).hexdigest()
