"""The embedded default for real: the gateway launches the llama.cpp worker with SmolLM2 and the
official openai SDK gets real answers, streamed and not, with the routing headers."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator

import openai
import pytest

from router.app import create_app
from router.settings import Settings
from tests.fakes.redis_server import free_port
from tests.fakes.server import serve_in_thread

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def client() -> Iterator[openai.OpenAI]:
    if importlib.util.find_spec("llama_cpp") is None:
        if os.environ.get("TIERGATE_SKIP_E2E") == "1":
            pytest.skip("TIERGATE_SKIP_E2E=1 and llama-cpp-python is not installed")
        pytest.fail("install the local model server: pip install 'llama-cpp-python[server]'")
    # env={}: no frontier keys, whatever this machine has set -> the pure embedded default
    app = create_app(Settings(local_port=free_port()), env={})
    with serve_in_thread(app, startup_timeout=120) as root:
        c = openai.OpenAI(base_url=root + "/v1", api_key="unused", max_retries=0, timeout=120)
        yield c
        c.close()


QUESTION = [{"role": "user", "content": "What is the capital of France? Answer in one word."}]


def test_real_answer_from_the_local_model(client: openai.OpenAI) -> None:
    raw = client.chat.completions.with_raw_response.create(
        model="auto", messages=QUESTION, max_tokens=16, temperature=0
    )  # type: ignore[arg-type]
    completion = raw.parse()
    assert "paris" in (completion.choices[0].message.content or "").lower()
    assert raw.headers["x-tiergate-tier"] == "local"
    assert raw.headers["x-tiergate-model"] == "smollm2-135m"
    assert raw.headers["x-tiergate-reason"] in {"easy", "frontier_unconfigured"}
    assert completion.usage is not None and completion.usage.completion_tokens > 0


def test_real_streamed_answer_with_usage(client: openai.OpenAI) -> None:
    stream = client.chat.completions.create(
        model="auto",
        messages=QUESTION,
        max_tokens=16,
        temperature=0,  # type: ignore[arg-type]
        stream=True,
        stream_options={"include_usage": True},
    )
    text, usage = "", None
    for chunk in stream:
        if chunk.choices:
            text += chunk.choices[0].delta.content or ""
        usage = chunk.usage or usage
    assert "paris" in text.lower()
    assert usage is not None and usage.completion_tokens > 0


def test_sensitive_request_is_answered_locally(client: openai.OpenAI) -> None:
    raw = client.chat.completions.with_raw_response.create(
        model="auto",
        max_tokens=8,
        messages=[{"role": "user", "content": "My SSN is 536-22-1234. Say OK."}],
    )
    assert raw.headers["x-tiergate-reason"] == "sensitive"
    assert raw.parse().choices[0].message.content
