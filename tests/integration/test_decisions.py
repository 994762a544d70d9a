"""The per-request decision record: to a rotating JSONL file without Redis, to a capped Redis
stream with it; never the prompt text unless capture is switched on."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import redis

from tests.integration.conftest import ALL_LOCAL, Stack

SECRET_PROMPT = "the launch code is 0000 and the plan is Tuesday"
FIELDS = {
    "request_id",
    "time",
    "tenant",
    "tier",
    "model",
    "reason",
    "cache",
    "status",
    "difficulty",
    "sensitivity",
    "prompt_tokens",
    "completion_tokens",
    "cost_usd",
    "seconds",
}


def send(s: Stack, n: int = 3) -> list[str]:
    ids = []
    for i in range(n):
        raw = s.client.chat.completions.with_raw_response.create(
            model="auto", messages=[{"role": "user", "content": f"{SECRET_PROMPT} {i}"}]
        )
        ids.append(raw.headers["x-request-id"])
    return ids


def wait_for(read: Callable[[], list[dict[str, Any]]], n: int) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 10
    while len(records := read()) < n:
        assert time.monotonic() < deadline, f"only {len(records)} of {n} records"
        time.sleep(0.1)
    return records


def file_records(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    return [orjson.loads(line) for line in path.read_text().splitlines() if line]


def test_records_go_to_the_jsonl_file_without_prompt_text(
    make_stack: Callable[..., Stack], tmp_path: Path
) -> None:
    s = make_stack(thresholds=ALL_LOCAL)
    ids = send(s)
    records = wait_for(lambda: file_records(tmp_path / "decisions.jsonl"), 3)
    assert [r["request_id"] for r in records] == ids
    assert all(set(r) == FIELDS for r in records)
    assert records[0]["tier"] == "local" and records[0]["status"] == 200
    assert SECRET_PROMPT not in (tmp_path / "decisions.jsonl").read_text()


def test_prompt_capture_is_opt_in(make_stack: Callable[..., Stack], tmp_path: Path) -> None:
    s = make_stack(thresholds=ALL_LOCAL, decisions={"capture_prompts": True})
    send(s, 1)
    (record,) = wait_for(lambda: file_records(tmp_path / "decisions.jsonl"), 1)
    assert record["messages"] == [{"role": "user", "content": f"{SECRET_PROMPT} 0"}]


def test_records_go_to_a_capped_redis_stream(
    make_stack: Callable[..., Stack], redis_url: str
) -> None:
    s = make_stack(
        settings={"redis_url": redis_url}, thresholds=ALL_LOCAL, decisions={"redis_maxlen": 100}
    )
    ids = send(s)
    client = redis.Redis.from_url(redis_url)
    try:

        def read() -> list[dict[str, Any]]:
            entries = client.xrange("tiergate:decisions")
            return [orjson.loads(fields[b"record"]) for _, fields in entries]

        records = wait_for(read, 3)
        assert [r["request_id"] for r in records] == ids
        assert all(SECRET_PROMPT not in str(r) for r in records)
    finally:
        client.close()
