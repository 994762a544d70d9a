"""Thresholds applied on one gateway process take effect on another, separate process sharing
the same Redis, within a few seconds; a rollback on the second comes back to the first."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from tests.fakes.redis_server import RedisServer
from tests.fakes.upstream import UpstreamDouble
from tests.integration.conftest import eventually, routing_for
from tests.integration.gateway_process import gateway_process

ADMIN = {"authorization": "Bearer admin-process-test-key-42"}


def tier(url: str) -> str:
    body = {"model": "auto", "messages": [{"role": "user", "content": "Say hello."}]}
    r = httpx.post(url + "/chat/completions", json=body, timeout=10)
    assert r.status_code == 200, r.text
    return r.headers["x-tiergate-tier"]


def test_apply_and_rollback_propagate_between_two_processes(
    make_upstream_double: Callable[..., UpstreamDouble],
    make_redis_server: Callable[[], RedisServer],
    tmp_path: Path,
) -> None:
    local, hosted = make_upstream_double(), make_upstream_double()
    redis = make_redis_server()
    doc: dict[str, Any] = routing_for(local, hosted).model_dump(mode="json", exclude_defaults=True)
    doc["thresholds"] = {"difficulty": 1.0, "sensitivity": 0.5}  # everything local at first
    env = {"TIERGATE_REDIS_URL": redis.url, "TIERGATE_ADMIN_KEY": ADMIN["authorization"][7:]}
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with contextlib.ExitStack() as stack:
        a, _ = stack.enter_context(gateway_process(doc, tmp_path / "a", **env))
        b, _ = stack.enter_context(gateway_process(doc, tmp_path / "b", **env))
        assert tier(a) == tier(b) == "local"

        root_a, root_b = a.removesuffix("/v1"), b.removesuffix("/v1")
        put = httpx.put(
            root_a + "/admin/thresholds",
            headers=ADMIN,
            timeout=10,
            json={"difficulty": 0.0, "sensitivity": 0.5},
        )
        assert put.status_code == 200, put.text
        eventually(lambda: tier(b) == "frontier", seconds=8)

        back = httpx.post(root_b + "/admin/thresholds/rollback", headers=ADMIN, timeout=10)
        assert back.status_code == 200, back.text
        eventually(lambda: tier(a) == "local", seconds=8)
        history = httpx.get(root_a + "/admin/thresholds/history", headers=ADMIN, timeout=10)
        assert [h["version"] for h in history.json()["data"]][:2] == [2, 1]
