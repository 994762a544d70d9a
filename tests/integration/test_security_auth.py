"""Client keys and tenant limits through a running gateway, with the official openai SDK:
401 in OpenAI's shape, rpm / tpm 429 with Retry-After (in-process and shared through Redis by
two gateways), the USD budget's downgrade to the local tier, and the max_tokens cap."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from router.keys import digest
from tests.integration.conftest import ALL_FRONTIER, ALL_LOCAL, Stack, eventually

HELLO: Any = [{"role": "user", "content": "Say hello."}]
KEYS = "sk-team-a:team-a,sk-team-b:team-b"


def body_of(exc: openai.APIStatusError) -> dict[str, Any]:
    assert isinstance(exc.body, dict)
    return exc.body


def client(s: Stack, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=s.url, api_key=key, max_retries=0, timeout=15)


def ask(c: openai.OpenAI, model: str = "auto", **kw: Any) -> Any:
    return c.chat.completions.with_raw_response.create(model=model, messages=HELLO, **kw)


def test_missing_or_wrong_key_is_401_in_openais_shape(make_stack: Callable[..., Stack]) -> None:
    s = make_stack(settings={"api_keys": KEYS})
    for key in ("sk-wrong", "sk-team-a-but-longer"):
        with pytest.raises(openai.AuthenticationError) as err:
            ask(client(s, key))
        assert err.value.status_code == 401
        assert err.value.body == {
            "message": "Incorrect API key provided.",
            "type": "authentication_error",
            "param": None,
            "code": "invalid_api_key",
        }
    assert s.local.received == [] and s.hosted.received == []
    raw = ask(client(s, "sk-team-a"))
    assert raw.http_response.status_code == 200


def test_keys_file_holds_only_digests(make_stack: Callable[..., Stack], tmp_path: Path) -> None:
    path = tmp_path / "keys.yaml"
    path.write_text(f"keys:\n  - sha256: {digest('sk-from-file').hex()}\n    tenant: filed\n")
    s = make_stack(settings={"keys_file": path})
    assert ask(client(s, "sk-from-file")).http_response.status_code == 200
    with pytest.raises(openai.AuthenticationError):
        ask(client(s, digest("sk-from-file").hex()))  # the digest is not a key


def test_allowed_tiers_are_enforced(make_stack: Callable[..., Stack]) -> None:
    s = make_stack(
        settings={"api_keys": KEYS},
        thresholds=ALL_FRONTIER,
        tenants={"team-a": {"allowed_tiers": ["local"]}},
    )
    with pytest.raises(openai.PermissionDeniedError):
        ask(client(s, "sk-team-a"), "frontier")
    raw = ask(client(s, "sk-team-a"))  # auto: difficult, but the frontier is off limits
    assert raw.headers["x-tiergate-tier"] == "local"
    assert raw.headers["x-tiergate-reason"] == "tier_not_allowed"
    assert s.hosted.received == []


@pytest.mark.parametrize("backend", ["memory", "redis"])
def test_requests_per_minute_429_with_retry_after(
    make_stack: Callable[..., Stack], redis_url: str, backend: str
) -> None:
    settings: dict[str, Any] = {"api_keys": KEYS}
    if backend == "redis":
        settings["redis_url"] = redis_url
    s = make_stack(settings=settings, thresholds=ALL_LOCAL, tenants={"team-a": {"rpm": 3}})
    if time.time() % 60 > 57:  # keep the four requests inside one clock minute
        time.sleep(60 - time.time() % 60 + 0.1)
    a = client(s, "sk-team-a")
    for _ in range(3):
        assert ask(a).http_response.status_code == 200
    with pytest.raises(openai.RateLimitError) as err:
        ask(a)
    assert body_of(err.value)["code"] == "rate_limit_exceeded"
    assert 1 <= int(err.value.response.headers["retry-after"]) <= 60
    assert ask(client(s, "sk-team-b")).http_response.status_code == 200  # per tenant
    assert len(s.local.received) == 4


def test_two_gateways_share_one_redis_budget(
    make_stack: Callable[..., Stack], redis_url: str
) -> None:
    kw: dict[str, Any] = {
        "settings": {"api_keys": KEYS, "redis_url": redis_url},
        "thresholds": ALL_LOCAL,
        "tenants": {"team-a": {"rpm": 4}},
    }
    one, two = make_stack(**kw), make_stack(**kw)
    if time.time() % 60 > 57:
        time.sleep(60 - time.time() % 60 + 0.1)
    for s in (one, two, one, two):
        assert ask(client(s, "sk-team-a")).http_response.status_code == 200
    for s in (one, two):
        with pytest.raises(openai.RateLimitError):
            ask(client(s, "sk-team-a"))


@pytest.mark.parametrize("backend", ["memory", "redis"])
def test_tokens_per_minute_are_charged_then_enforced(
    make_stack: Callable[..., Stack], redis_url: str, backend: str
) -> None:
    settings: dict[str, Any] = {"api_keys": KEYS}
    if backend == "redis":
        settings["redis_url"] = redis_url
    s = make_stack(settings=settings, thresholds=ALL_LOCAL, tenants={"team-a": {"tpm": 100}})
    s.local.usage = {"prompt_tokens": 60, "completion_tokens": 40, "total_tokens": 100}
    if time.time() % 60 > 55:
        time.sleep(60 - time.time() % 60 + 0.1)
    a = client(s, "sk-team-a")
    assert ask(a).http_response.status_code == 200

    def refused() -> bool:
        try:
            ask(a)
        except openai.RateLimitError as exc:
            return "100 tokens per minute" in str(body_of(exc)["message"])
        return False

    eventually(refused)  # the charge lands off the request path


def test_budget_nearly_spent_downgrades_frontier_requests(
    make_stack: Callable[..., Stack], redis_url: str
) -> None:
    s = make_stack(
        settings={"api_keys": KEYS, "redis_url": redis_url},
        thresholds=ALL_FRONTIER,
        tenants={
            "team-a": {"usd_per_day": 0.2, "budget_downgrade": True},
            "team-b": {"usd_per_day": 0.2},
        },
    )
    s.hosted.usage = {"prompt_tokens": 95_000, "completion_tokens": 0, "total_tokens": 95_000}
    for key in ("sk-team-a", "sk-team-b"):
        raw = ask(client(s, key))  # $0.19 on the frontier: 95 % of the day's budget
        assert raw.headers["x-tiergate-tier"] == "frontier"

    def downgraded() -> bool:
        raw = ask(client(s, "sk-team-a"))
        return bool(raw.headers["x-tiergate-reason"] == "budget_downgrade")

    eventually(downgraded)
    dry = dry_run(s, "sk-team-a")  # the dry run answers what the call does
    assert (dry["tier"], dry["reason"]) == ("local", "budget_downgrade")
    raw = ask(client(s, "sk-team-a"), "gpt-4.1")  # forcing the frontier is downgraded too
    assert (raw.headers["x-tiergate-tier"], raw.headers["x-tiergate-reason"]) == (
        "local",
        "budget_downgrade",
    )
    # Without budget_downgrade the frontier stays open until the budget is spent, then 429.
    ask(client(s, "sk-team-b"))

    def refused() -> bool:
        try:
            ask(client(s, "sk-team-b"))
        except openai.RateLimitError as exc:
            return bool(body_of(exc)["code"] == "budget_exceeded")
        return False

    eventually(refused)


def dry_run(s: Stack, key: str, **body: Any) -> dict[str, Any]:
    payload = {"model": "auto", "messages": [{"role": "user", "content": "Say hello."}], **body}
    r = httpx.post(
        s.url + "/route", json=payload, headers={"authorization": f"Bearer {key}"}, timeout=10
    )
    result: dict[str, Any] = r.json()
    return result


def test_dry_runs_apply_the_tenant_caps_but_use_no_rate_limit(
    make_stack: Callable[..., Stack],
) -> None:
    s = make_stack(
        settings={"api_keys": KEYS},
        thresholds=ALL_LOCAL,
        tenants={"team-a": {"rpm": 2, "max_tokens": 64}},
    )
    if time.time() % 60 > 57:
        time.sleep(60 - time.time() % 60 + 0.1)
    for _ in range(5):
        assert dry_run(s, "sk-team-a")["tier"] == "local"
    assert dry_run(s, "sk-team-a", max_tokens=65)["error"]["code"] == "max_tokens_exceeded"
    a = client(s, "sk-team-a")
    for _ in range(2):  # the minute's two requests are all still there
        assert ask(a).http_response.status_code == 200
    with pytest.raises(openai.RateLimitError):
        ask(a)


def test_max_tokens_cap_per_tenant(make_stack: Callable[..., Stack]) -> None:
    s = make_stack(
        settings={"api_keys": KEYS}, thresholds=ALL_LOCAL, tenants={"team-a": {"max_tokens": 64}}
    )
    a = client(s, "sk-team-a")
    with pytest.raises(openai.BadRequestError) as err:
        ask(a, max_tokens=65)
    assert body_of(err.value)["param"] == "max_tokens"
    ask(a)
    assert s.local.last_request["max_tokens"] == 64  # none asked: the cap is sent
    ask(client(s, "sk-team-b"), max_tokens=4096)
    assert s.local.last_request["max_tokens"] == 4096
