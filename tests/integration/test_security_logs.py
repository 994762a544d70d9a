"""What the gateway logs while it serves: JSON lines with the request id, and never a prompt,
a completion or an upstream key — on answers, streams, cache hits and failures alike."""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import orjson
import pytest

from router.logs import JsonFormatter
from tests.integration.conftest import ALL_FRONTIER, HOSTED_KEY, Stack

PROMPT = "PROMPT-CANARY-7f3a the quick brown fox"
COMPLETION = "COMPLETION-CANARY-91bc jumps over the lazy dog"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Every log record of the process (gateway threads included) as JSON lines, at INFO for
    libraries and DEBUG for tiergate's own loggers."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter())
    root, ours = logging.getLogger(), logging.getLogger("tiergate")
    levels = (root.level, ours.level)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    ours.setLevel(logging.DEBUG)
    try:
        yield out
    finally:
        root.removeHandler(handler)
        root.setLevel(levels[0])
        ours.setLevel(levels[1])


def lines(out: io.StringIO) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in out.getvalue().splitlines() if line.strip()]


def test_logs_carry_request_ids_and_no_prompt_completion_or_key(
    make_stack: Callable[..., Stack], captured: io.StringIO
) -> None:
    s = make_stack(thresholds=ALL_FRONTIER)
    s.local.reply_text = s.hosted.reply_text = COMPLETION
    messages = [{"role": "system", "content": PROMPT}, {"role": "user", "content": PROMPT}]
    ids: list[str] = []
    cases = [
        ("ok", "ok", False, "auto"),
        ("ok", "ok", True, "auto"),
        ("ok", "ok", False, "auto"),  # the same again: a cache hit (temperature 0)
        ("status:500", "status:500", False, "auto"),
        ("ok", "status:401", False, "frontier"),
        ("ok", "reset_mid_stream", True, "frontier"),
        ("ok", "status:400", False, "frontier"),
    ]
    for local, hosted, stream, model in cases:
        s.local.behaviour, s.hosted.behaviour = local, hosted
        body = {"model": model, "messages": messages, "stream": stream, "temperature": 0}
        r = httpx.post(
            s.url + "/chat/completions",
            json=body,
            headers={"x-request-id": f"req-log-test-{len(ids)}"},
            timeout=15,
        )
        r.read()
        ids.append(r.headers["x-request-id"])
    assert ids == [f"req-log-test-{i}" for i in range(len(cases))]
    httpx.post(s.url + "/chat/completions", content=b"{" + PROMPT.encode(), timeout=5)
    httpx.post(s.url + "/chat/completions", json={"model": 1, "messages": PROMPT}, timeout=5)

    text = captured.getvalue()
    assert text, "nothing was logged"
    for secret in (PROMPT, "PROMPT-CANARY", COMPLETION, "COMPLETION-CANARY", HOSTED_KEY):
        assert secret not in text
    decisions = [line for line in lines(captured) if line["logger"] == "tiergate.decision"]
    assert {d["request_id"] for d in decisions} >= set(ids)
    assert all(d["request_id"].startswith(("req-log-test-", "req_")) for d in decisions)
