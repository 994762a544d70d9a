"""The dashboard's endpoints against running gateways: the page shell, the admin key on every
piece of data, the live panels from traffic sent, the what-if projection, and apply / roll back
shared between two gateways on one real Redis (routing checked through `x-tiergate-tier`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.integration.conftest import ALL_FRONTIER, ALL_LOCAL, Stack, eventually

ADMIN = "admin-dashboard-test-key"
AUTH = {"authorization": f"Bearer {ADMIN}"}


def send(s: Stack, n: int, content: str = "Say hello.") -> list[str]:
    tiers = []
    for i in range(n):
        raw = s.client.chat.completions.with_raw_response.create(
            model="auto", messages=[{"role": "user", "content": f"{content} {i}"}]
        )
        tiers.append(raw.headers["x-tiergate-tier"])
    return tiers


def data(s: Stack) -> dict[str, Any]:
    r = httpx.get(s.root + "/admin/dashboard/data", headers=AUTH, timeout=5)
    assert r.status_code == 200, r.text
    body: dict[str, Any] = r.json()
    return body


def test_the_page_is_a_static_shell_and_every_piece_of_data_needs_the_admin_key(
    make_stack: Callable[..., Stack],
) -> None:
    s = make_stack(settings={"admin_key": ADMIN})
    send(s, 2)
    page = httpx.get(s.root + "/dashboard", timeout=5)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "connect-src 'self'" in page.headers["content-security-policy"]
    assert "smollm2" not in page.text and "gpt-4.1" not in page.text  # no data in the shell
    for asset in ("app.js", "style.css", "vendor/chart.umd.js"):
        assert httpx.get(f"{s.root}/dashboard/{asset}", timeout=5).status_code == 200
    assert httpx.get(s.root + "/dashboard/../router/app.py", timeout=5).status_code == 404
    for path in ("/admin/dashboard/data", "/admin/dashboard/whatif?difficulty=0.5"):
        for headers in ({}, {"authorization": "Bearer wrong"}, {"authorization": "Bearer sk-x"}):
            r = httpx.get(s.root + path, headers=headers, timeout=5)
            assert r.status_code == 401, (path, headers)
            assert r.json()["error"]["type"] == "authentication_error"
            assert "per_tier" not in r.text


def test_without_an_admin_key_configured_the_data_does_not_exist(gw: Stack) -> None:
    r = httpx.get(gw.root + "/admin/dashboard/data", headers=AUTH, timeout=5)
    assert r.status_code == 404


def test_panels_show_the_traffic_sent(make_stack: Callable[..., Stack]) -> None:
    s = make_stack(settings={"admin_key": ADMIN}, thresholds=ALL_LOCAL)
    assert send(s, 3) == ["local"] * 3
    s.client.chat.completions.create(
        model="frontier", messages=[{"role": "user", "content": "Forced to the frontier."}]
    )
    d = data(s)
    summary = d["summary"]
    assert summary["per_tier"] == {"local": 3, "frontier": 1}
    assert summary["frontier_share"] == pytest.approx(0.25)
    assert summary["cost_per_hour"] > 0 and summary["counterfactual_per_hour"] > 0
    assert summary["savings_per_hour"] > 0
    assert sum(summary["histograms"]["difficulty"]) == 4
    assert len(summary["histograms"]["sensitivity"]) == 20
    assert summary["latency"]["local"]["p50"] > 0
    assert summary["cache"]["bypass"] + summary["cache"]["miss"] == 4
    assert d["thresholds"]["in_force"]["difficulty"] == 1.0 and d["shared"] is False
    assert d["controller"]["enabled"] is False
    assert "difficulty" in d["quality_source"]


def test_whatif_projects_and_validates(make_stack: Callable[..., Stack]) -> None:
    s = make_stack(settings={"admin_key": ADMIN}, thresholds=ALL_LOCAL)
    send(s, 4)

    def whatif(query: str) -> httpx.Response:
        return httpx.get(f"{s.root}/admin/dashboard/whatif?{query}", headers=AUTH, timeout=5)

    everything = whatif("difficulty=0").json()
    assert everything["projection"]["frontier_share"] == 1.0
    assert everything["current"]["frontier_share"] == 0.0
    assert everything["projection"]["cost_per_hour"] > everything["current"]["cost_per_hour"]
    assert everything["current"]["shortfall_share"] > 0
    half = whatif("frontier_share=0.5").json()["projection"]
    assert half["frontier_share"] == pytest.approx(0.5)
    assert whatif("usd_per_hour=0").json()["projection"]["frontier_share"] == 0.0
    for bad in ("", "difficulty=0.2&frontier_share=0.1", "difficulty=2", "difficulty=x"):
        r = whatif(bad)
        assert r.status_code == 400, bad
        assert r.json()["error"]["type"] == "invalid_request_error"


def test_apply_and_rollback_propagate_between_two_gateways_on_one_redis(
    make_stack: Callable[..., Stack], redis_url: str
) -> None:
    settings = {"admin_key": ADMIN, "redis_url": redis_url}
    a = make_stack(settings=settings, thresholds=ALL_LOCAL)
    b = make_stack(settings=settings, thresholds=ALL_LOCAL)
    assert send(a, 3) == ["local"] * 3
    # the window is shared: B's dashboard shows A's traffic (written in batches, off the path)
    eventually(lambda: data(b)["summary"]["per_tier"]["local"] == 3)
    assert data(b)["shared"] is True

    put = httpx.put(a.root + "/admin/thresholds", headers=AUTH, json=ALL_FRONTIER, timeout=5)
    assert put.status_code == 200, put.text
    eventually(lambda: send(b, 1) == ["frontier"], seconds=3)
    history = data(b)["history"]
    assert history[0]["difficulty"] == 0.0 and history[0]["previous"]["difficulty"] == 1.0
    assert history[0]["by"].startswith("admin:") and history[0]["at"] > 0

    back = httpx.post(b.root + "/admin/thresholds/rollback", headers=AUTH, timeout=5)
    assert back.status_code == 200, back.text
    eventually(lambda: send(a, 1) == ["local"], seconds=3)
    assert data(a)["thresholds"]["version"] == 2


def test_controller_moves_the_threshold_and_its_moves_are_listed(
    make_stack: Callable[..., Stack],
) -> None:
    controller = {
        "enabled": True,
        "target_frontier_share": 0.0,
        "min_threshold": 0.0,
        "max_threshold": 1.0,
        "step": 0.25,
        "interval_seconds": 0.3,
        "min_requests": 3,
    }
    s = make_stack(settings={"admin_key": ADMIN}, thresholds=ALL_FRONTIER, controller=controller)
    assert send(s, 4) == ["frontier"] * 4
    eventually(lambda: any(r["by"] == "controller" for r in data(s)["history"]))
    d = data(s)
    move = next(r for r in d["history"] if r["by"] == "controller")
    assert move["difficulty"] > move["previous"]["difficulty"]
    assert d["controller"]["enabled"] is True and d["controller"]["last"]["action"] == "raise"
