"""Canonical cache keys: equivalent requests hit, any answer-changing difference misses."""

from __future__ import annotations

import copy
import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from router.cache_key import cache_key

text = st.text(min_size=1, max_size=40)
message = st.fixed_dictionaries(
    {"role": st.sampled_from(["system", "user", "assistant"]), "content": text}
)
request = st.fixed_dictionaries(
    {"messages": st.lists(message, min_size=1, max_size=4)},
    optional={
        "temperature": st.sampled_from([0, 0.2, 0.7]),
        "max_tokens": st.integers(1, 500),
        "seed": st.integers(0, 10),
        "tools": st.just([{"type": "function", "function": {"name": "f"}}]),
        "response_format": st.just({"type": "json_object"}),
    },
)


def key(payload: dict[str, Any], tenant: str = "t", tier: str = "local", model: str = "m") -> str:
    return cache_key(tenant, tier, model, payload)


def equivalent(payload: dict[str, Any], rnd: random.Random) -> dict[str, Any]:
    """The same request, written differently."""
    out = copy.deepcopy(payload)
    items = list(out.items())
    rnd.shuffle(items)  # key order
    out = dict(items)
    out.update(
        {
            "top_p": 1,
            "n": 1.0,
            "presence_penalty": 0.0,
            "logprobs": False,
            "stream": False,
            "user": "someone",
            "metadata": {"a": "b"},
            "model": "auto",
            "stop": None,
            "stream_options": {"include_usage": True},
        }
    )
    if isinstance(out.get("temperature"), int):
        out["temperature"] = float(out["temperature"])
    first = out["messages"][0]
    out["messages"][0] = {
        "content": [{"type": "text", "text": first["content"]}],
        "role": first["role"],
        "name": None,
    }
    return out


@settings(max_examples=200, deadline=None)
@given(request, st.randoms())
def test_equivalent_requests_share_a_key(payload: dict[str, Any], rnd: random.Random) -> None:
    assert key(payload) == key(equivalent(payload, rnd))


@settings(max_examples=200, deadline=None)
@given(request, st.data())
def test_answer_changing_differences_split_the_key(
    payload: dict[str, Any], data: st.DataObject
) -> None:
    base = key(payload)
    changed = copy.deepcopy(payload)
    which = data.draw(
        st.sampled_from(
            ["content", "role", "temperature", "max_tokens", "extra", "append", "stream"]
        )
    )
    if which == "content":
        changed["messages"][-1]["content"] += "!"
    elif which == "role":
        m = changed["messages"][-1]
        m["role"] = "user" if m["role"] != "user" else "assistant"
    elif which == "temperature":
        changed["temperature"] = changed.get("temperature", 1) + 0.05
    elif which == "max_tokens":
        changed["max_tokens"] = changed.get("max_tokens", 1) + 1
    elif which == "extra":
        changed["vendor_knob"] = 1
    elif which == "append":
        changed["messages"].append({"role": "user", "content": "more"})
    else:
        changed["stream"] = True
    assert key(changed) != base


def test_tenant_tier_and_model_are_part_of_the_key() -> None:
    payload = {"messages": [{"role": "user", "content": "hi"}], "temperature": 0}
    keys = {
        key(payload),
        key(payload, tenant="u"),
        key(payload, tier="frontier"),
        key(payload, model="m2"),
    }
    assert len(keys) == 4
