"""The admin API against running gateways: its own key (never a client key), versioned
thresholds shared by two gateways on one real Redis, reload of the routing file, and the recent
decision records from the JSONL file or the Redis stream."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from router.app import create_app
from router.settings import Settings
from tests.fakes.server import serve_in_thread
from tests.fakes.upstream import UpstreamDouble
from tests.integration.conftest import HOSTED_KEY, eventually, routing_for

ADMIN = "admin-test-key-0123456789"
AS_ADMIN = {"authorization": f"Bearer {ADMIN}"}
HELLO = [{"role": "user", "content": "Say hello."}]


@dataclass
class Admin:
    root: str
    config: Path

    def call(self, method: str, path: str, **kw: Any) -> httpx.Response:
        kw.setdefault("headers", AS_ADMIN)
        return httpx.request(method, self.root + path, timeout=10, **kw)

    def chat(self, key: str = "sk-client", **body: Any) -> httpx.Response:
        body = {"model": "auto", "messages": HELLO, **body}
        headers = {"authorization": f"Bearer {key}"}
        return httpx.post(
            self.root + "/v1/chat/completions", json=body, headers=headers, timeout=10
        )


@pytest.fixture
def make_admin(
    make_upstream_double: Callable[..., UpstreamDouble], tmp_path: Path
) -> Iterator[Callable[..., Admin]]:
    """Gateways reading a routing file (so /admin/reload has something to re-read)."""
    local = make_upstream_double(model_name="smollm2-135m")
    hosted = make_upstream_double(model_name="gpt-4.1")
    doc = routing_for(local, hosted, thresholds={"difficulty": 1.0, "sensitivity": 0.5})
    config = tmp_path / "tiergate.yaml"
    config.write_text(yaml.safe_dump(doc.model_dump(mode="json", exclude_defaults=True)))
    with contextlib.ExitStack() as stack:

        def make(**settings: Any) -> Admin:
            values = {
                "launch_workers": False,
                "config": config,
                "api_keys": "sk-client:team",
                "admin_key": ADMIN,
                "decision_log": tmp_path / "decisions.jsonl",
                **settings,
            }
            app = create_app(Settings(**values), None, env={"HOSTED_KEY": HOSTED_KEY})
            return Admin(stack.enter_context(serve_in_thread(app)), config)

        yield make


def shaped(r: httpx.Response, status: int) -> dict[str, Any]:
    assert r.status_code == status, r.text
    body = r.json()
    assert set(body["error"]) == {"message", "type", "param", "code"}
    error: dict[str, Any] = body["error"]
    return error


def test_without_an_admin_key_the_admin_api_does_not_exist(
    make_admin: Callable[..., Admin],
) -> None:
    a = make_admin(admin_key=None)
    for method, path in (("GET", "/admin/thresholds"), ("POST", "/admin/reload")):
        assert shaped(a.call(method, path), 404)["code"] == "not_found"


def test_only_the_admin_key_opens_it_and_it_is_not_a_client_key(
    make_admin: Callable[..., Admin],
) -> None:
    a = make_admin()
    for headers in ({}, {"authorization": "Bearer sk-client"}, {"authorization": "Bearer x"}):
        err = shaped(a.call("GET", "/admin/thresholds", headers=headers), 401)
        assert err["type"] == "authentication_error"
        shaped(a.call("PUT", "/admin/thresholds", headers=headers, json={}), 401)
    assert a.call("GET", "/admin/thresholds").status_code == 200
    shaped(a.chat(ADMIN), 401)  # the admin key does not open the client API
    assert a.chat().status_code == 200


def test_thresholds_are_versioned_with_history_and_rollback(
    make_admin: Callable[..., Admin],
) -> None:
    a = make_admin()
    start = a.call("GET", "/admin/thresholds").json()
    assert (start["version"], start["difficulty"], start["by"]) == (0, 1.0, "routing file")
    shaped(a.call("POST", "/admin/thresholds/rollback"), 400)
    assert a.chat().headers["x-tiergate-tier"] == "local"

    r = a.call("PUT", "/admin/thresholds", json={"difficulty": 0.0, "sensitivity": 0.4})
    assert r.status_code == 200, r.text
    v1 = r.json()
    assert (v1["version"], v1["difficulty"], v1["sensitivity"]) == (1, 0.0, 0.4)
    assert v1["previous"] == {"difficulty": 1.0, "sensitivity": 0.5, "version": 0}
    assert v1["by"].startswith("admin:") and v1["at"] <= time.time()
    assert v1["in_force"] == {"difficulty": 0.0, "sensitivity": 0.4}
    assert a.chat().headers["x-tiergate-tier"] == "frontier"
    metrics = httpx.get(a.root + "/metrics", timeout=5).text
    assert 'tiergate_threshold{name="sensitivity"} 0.4' in metrics

    back = a.call("POST", "/admin/thresholds/rollback").json()
    assert (back["version"], back["difficulty"], back["action"]) == (2, 1.0, "rollback")
    assert a.chat().headers["x-tiergate-tier"] == "local"
    history = a.call("GET", "/admin/thresholds/history").json()["data"]
    assert [h["version"] for h in history] == [2, 1]


@pytest.mark.parametrize(
    "body",
    [
        {"difficulty": 1.5, "sensitivity": 0.5},
        {"difficulty": 0.5},
        {"difficulty": 0.5, "sensitivity": 0.5, "extra": 1},
        "not json",
    ],
)
def test_bad_threshold_bodies_are_400(make_admin: Callable[..., Admin], body: Any) -> None:
    a = make_admin()
    content = body.encode() if isinstance(body, str) else None
    kw: dict[str, Any] = {"content": content} if content else {"json": body}
    err = shaped(a.call("PUT", "/admin/thresholds", **kw), 400)
    assert err["type"] == "invalid_request_error"
    assert a.call("GET", "/admin/thresholds").json()["version"] == 0


def test_two_gateways_on_one_redis_converge(
    make_admin: Callable[..., Admin], redis_url: str
) -> None:
    one, two = make_admin(redis_url=redis_url), make_admin(redis_url=redis_url)
    r = one.call("PUT", "/admin/thresholds", json={"difficulty": 0.0, "sensitivity": 0.5})
    assert r.json()["version"] == 1

    def converged(version: int, difficulty: float) -> Callable[[], bool]:
        def check() -> bool:
            t = two.call("GET", "/admin/thresholds").json()
            return bool(t["version"] == version and t["in_force"]["difficulty"] == difficulty)

        return check

    eventually(converged(1, 0.0))
    assert two.chat().headers["x-tiergate-tier"] == "frontier"
    assert two.call("POST", "/admin/thresholds/rollback").json()["version"] == 2
    eventually(lambda: one.call("GET", "/admin/thresholds").json()["in_force"]["difficulty"] == 1)
    assert [h["version"] for h in one.call("GET", "/admin/thresholds/history").json()["data"]] == [
        2,
        1,
    ]
    # A gateway started later picks up the stored version at once.
    three = make_admin(redis_url=redis_url)
    assert three.call("GET", "/admin/thresholds").json()["version"] == 2


def test_reload_applies_a_good_file_and_keeps_the_old_one_on_a_bad_one(
    make_admin: Callable[..., Admin],
) -> None:
    a = make_admin()
    good = yaml.safe_load(a.config.read_text())
    good["thresholds"]["difficulty"] = 0.0
    good["tenants"] = {"team": {"max_tokens": 8}}
    a.config.write_text(yaml.safe_dump(good))
    assert a.call("POST", "/admin/reload").status_code == 200
    assert a.chat().headers["x-tiergate-tier"] == "frontier"
    assert shaped(a.chat(max_tokens=9), 400)["param"] == "max_tokens"  # tenants reloaded

    bad = {**good, "thresholds": {"difficulty": 0.5, "sensitivty": 0.5}}
    a.config.write_text(yaml.safe_dump(bad))
    err = shaped(a.call("POST", "/admin/reload"), 400)
    assert (err["code"], err["param"]) == ("invalid_config", "thresholds.sensitivty")
    assert a.chat().headers["x-tiergate-tier"] == "frontier"  # the old routing stays

    moved = {**good, "upstreams": {**good["upstreams"]}}
    moved["upstreams"]["hosted"] = {**moved["upstreams"]["hosted"], "base_url": "http://x/v1"}
    a.config.write_text(yaml.safe_dump(moved))
    err = shaped(a.call("POST", "/admin/reload"), 400)
    assert (err["code"], err["param"]) == ("restart_required", "upstreams")


@pytest.mark.parametrize("backend", ["file", "redis"])
def test_recent_decisions(make_admin: Callable[..., Admin], redis_url: str, backend: str) -> None:
    a = make_admin(**({"redis_url": redis_url} if backend == "redis" else {}))
    ids = [a.chat().headers["x-request-id"] for _ in range(3)]

    def recorded() -> bool:
        data = a.call("GET", "/admin/decisions?limit=2").json()["data"]
        return [d["request_id"] for d in data] == ids[:0:-1]

    eventually(recorded)
    shaped(a.call("GET", "/admin/decisions?limit=0"), 400)
