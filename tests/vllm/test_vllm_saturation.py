"""Load-aware spill against a real vLLM: a burst queues requests in vLLM (it runs two sequences
at a time in this suite), `vllm:num_requests_waiting` passes the configured depth, and from then
on non-sensitive requests go to the frontier while sensitive ones stay local and wait.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import pytest
from openai.types.chat import ChatCompletionMessageParam

from tests.vllm.conftest import MAX_NUM_SEQS, MODEL, Gateway, VllmServer
from workers.load import parse_vllm_metrics

pytestmark = [pytest.mark.vllm, pytest.mark.timeout(1800)]

MAX_WAITING = 2
BURST = 5 * MAX_NUM_SEQS  # 10 requests: 8 wait while 2 run
BURST_TOKENS = 128
CARD = "4111 1111 1111 1111"  # Luhn-valid test card number: a hard sensitive entity
PLAIN: list[ChatCompletionMessageParam] = [
    {"role": "user", "content": "Name a colour of the rainbow."}
]
SENSITIVE: list[ChatCompletionMessageParam] = [
    {"role": "user", "content": f"My card number is {CARD}. Which network issued it?"}
]
LONG: list[ChatCompletionMessageParam] = [
    {"role": "user", "content": "Tell me a long story about a lighthouse keeper."}
]


def waiting(server: VllmServer) -> float:
    with urllib.request.urlopen(server.root + "/metrics", timeout=10) as resp:
        value = parse_vllm_metrics(resp.read().decode()).waiting
    assert value is not None
    return value


def route(gw: Gateway, messages: list[ChatCompletionMessageParam]) -> dict[str, Any]:
    """The gateway's routing decision for this request (POST /v1/route, nothing is called)."""
    body = json.dumps({"model": "auto", "messages": messages}).encode()
    request = urllib.request.Request(
        gw.url + "/route", body, {"content-type": "application/json"}, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        decision: dict[str, Any] = json.loads(resp.read())
    return decision


def until(check: Callable[[], bool], within: float, what: str) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, f"not within {within:g} s: {what}"
        time.sleep(0.1)


def test_a_queue_in_vllm_spills_plain_requests_and_keeps_sensitive_ones_local(
    make_gateway: Callable[..., Gateway], vllm_server: VllmServer
) -> None:
    gw = make_gateway(saturation={"max_waiting": MAX_WAITING})
    assert route(gw, PLAIN)["reason"] != "local_saturated"
    assert waiting(vllm_server) == 0

    def long_local(i: int) -> Any:  # forced to the local tier: stays there and queues
        return gw.client.chat.completions.with_raw_response.create(
            model="local",
            messages=LONG,
            max_tokens=BURST_TOKENS,
            temperature=0.8,
            seed=i,
            extra_body={"ignore_eos": True},  # every answer is exactly BURST_TOKENS long
        )

    with ThreadPoolExecutor(BURST + 1) as pool:
        burst = [pool.submit(long_local, i) for i in range(BURST)]
        until(lambda: waiting(vllm_server) > MAX_WAITING, 60, "vLLM queues the burst")
        until(lambda: route(gw, PLAIN)["reason"] == "local_saturated", 10, "gateway sees it")

        queued = waiting(vllm_server)
        spilled = gw.client.chat.completions.with_raw_response.create(
            model="auto", messages=PLAIN, max_tokens=8
        )
        sensitive: Future[Any] = pool.submit(
            lambda: gw.client.chat.completions.with_raw_response.create(
                model="auto", messages=SENSITIVE, max_tokens=8, temperature=0
            )
        )
        assert queued > MAX_WAITING
        assert route(gw, SENSITIVE)["tier"] == "local"  # decided while the queue is long

        answers = [f.result(timeout=600) for f in burst]
        kept = sensitive.result(timeout=600)

    assert spilled.headers["x-tiergate-tier"] == "frontier"
    assert spilled.headers["x-tiergate-reason"] == "local_saturated"
    assert spilled.parse().model == "gpt-4.1"

    assert kept.headers["x-tiergate-tier"] == "local"
    assert kept.headers["x-tiergate-reason"] == "sensitive"
    assert kept.parse().model == MODEL  # answered by vLLM, after waiting its turn

    for answer in answers:
        assert answer.headers["x-tiergate-tier"] == "local"
        assert answer.parse().usage.completion_tokens == BURST_TOKENS

    bodies = [json.dumps(body) for body in gw.hosted.received]
    assert len(bodies) == 1 and "rainbow" in bodies[0]
    assert not any(CARD in body or CARD.replace(" ", "") in body for body in bodies)

    # Once vLLM has drained its queue, plain requests are local again.
    until(lambda: route(gw, PLAIN)["reason"] != "local_saturated", 30, "saturation clears")
    back = gw.client.chat.completions.with_raw_response.create(
        model="auto", messages=PLAIN, max_tokens=8
    )
    assert back.headers["x-tiergate-tier"] == "local"
