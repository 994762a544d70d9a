"""tiergate in front of a real vLLM (CPU build, SmolLM2): readiness, chat, streaming with usage,
error relay and the metric names the load awareness reads. The official openai SDK is the client.
"""

from __future__ import annotations

import urllib.request
from typing import Any

import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam

from tests.vllm.conftest import MODEL, Gateway, VllmServer
from workers.load import KV_USAGE, WAITING, parse_vllm_metrics

pytestmark = [pytest.mark.vllm, pytest.mark.timeout(1800)]  # the first run installs vLLM

QUESTION: list[ChatCompletionMessageParam] = [
    {"role": "user", "content": "What is the capital of France? Answer in one word."}
]


def get(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as resp:
        return resp.status, resp.read().decode()


def test_tiergate_worker_launched_cpu_vllm_and_it_reports_health_and_load(
    vllm_server: VllmServer,
) -> None:
    assert "-m vllm.entrypoints.openai.api_server" in vllm_server.argv_banner
    assert "--dtype float32" in vllm_server.argv_banner
    assert get(vllm_server.root + "/health")[0] == 200
    status, text = get(vllm_server.root + "/metrics")
    assert status == 200
    assert f"{WAITING}{{" in text  # the names workers/load.py reads, as this vLLM spells them
    assert any(f"{name}{{" in text for name in KV_USAGE), "no KV-cache usage gauge"
    load = parse_vllm_metrics(text)
    assert load.waiting is not None and load.kv_usage is not None
    assert 0.0 <= load.kv_usage <= 1.0


def test_gateway_is_ready_once_vllm_answers_health(gateway: Gateway) -> None:
    status, text = get(gateway.root + "/readyz")
    assert status == 200
    assert "local-vllm" in text
    _, metrics = get(gateway.root + "/metrics")
    assert 'tiergate_upstream_healthy{upstream="local-vllm"} 1.0' in metrics


def test_chat_answer_from_vllm_through_the_gateway(gateway: Gateway) -> None:
    raw = gateway.client.chat.completions.with_raw_response.create(
        model="auto", messages=QUESTION, max_tokens=16, temperature=0
    )
    completion = raw.parse()
    assert raw.headers["x-tiergate-tier"] == "local"
    assert raw.headers["x-tiergate-model"] == MODEL
    assert completion.model == MODEL
    assert "paris" in (completion.choices[0].message.content or "").lower()
    assert completion.choices[0].finish_reason in {"stop", "length"}
    assert completion.usage is not None
    assert completion.usage.prompt_tokens > 0 and completion.usage.completion_tokens > 0
    assert gateway.hosted.received == []


def test_streamed_answer_with_include_usage(gateway: Gateway, direct: openai.OpenAI) -> None:
    kwargs = {"model": MODEL, "messages": QUESTION, "max_tokens": 16, "temperature": 0}
    stream = gateway.client.chat.completions.create(
        **kwargs, stream=True, stream_options={"include_usage": True}
    )  # type: ignore[call-overload]
    text, usage, finish, content_chunks = "", None, None, 0
    for chunk in stream:
        if chunk.choices:
            text += chunk.choices[0].delta.content or ""
            content_chunks += bool(chunk.choices[0].delta.content)
            finish = chunk.choices[0].finish_reason or finish
        if chunk.usage is not None:
            assert not chunk.choices  # the usage chunk comes last, on its own
            usage = chunk.usage
    assert content_chunks > 1, "expected the answer in several chunks"
    assert "paris" in text.lower()
    assert finish in {"stop", "length"}
    assert usage is not None and usage.completion_tokens > 0
    same = direct.chat.completions.create(**kwargs)  # type: ignore[call-overload]
    assert text == same.choices[0].message.content  # greedy: the stream is the whole answer
    assert usage.completion_tokens == same.usage.completion_tokens


def test_a_vllm_400_reaches_the_client_with_its_message(
    gateway: Gateway, direct: openai.OpenAI
) -> None:
    too_long = {"model": MODEL, "messages": QUESTION, "max_tokens": 100_000}
    with pytest.raises(openai.BadRequestError) as from_vllm:
        direct.chat.completions.create(**too_long)  # type: ignore[call-overload]
    with pytest.raises(openai.BadRequestError) as via_gateway:
        gateway.client.chat.completions.create(**too_long)  # type: ignore[call-overload]
    assert via_gateway.value.status_code == 400
    vllm_message = from_vllm.value.body["message"]  # type: ignore[index]
    assert "context length" in vllm_message or "max_tokens" in vllm_message, vllm_message
    relayed: Any = via_gateway.value.body
    original: Any = from_vllm.value.body
    assert relayed["message"] == vllm_message
    # vLLM's own type name ("BadRequestError") is mapped to OpenAI's vocabulary
    assert relayed["type"] == "invalid_request_error"
    assert original["code"] == 400  # vLLM repeats the status in `code`; the gateway keeps it
    assert relayed["code"] is None  # in the status line only (STYLE.md section 5)
    assert gateway.hosted.received == []  # a client error is not retried on the frontier
