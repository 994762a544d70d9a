"""Upstream secrets and addresses through a running gateway: an upstream's 401/403 is the
gateway's problem (502 `upstream_auth_failed`, no upstream text), the upstream key never
reaches a client, the client's key never reaches an upstream, and no request field or header
can send a call anywhere but a configured base URL (no SSRF)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import openai
import orjson
import pytest

from tests.fakes.upstream import UpstreamDouble
from tests.integration.conftest import ALL_FRONTIER, HOSTED_KEY, Stack

HELLO: Any = [{"role": "user", "content": "Say hello."}]


@pytest.mark.parametrize("status", [401, 403])
@pytest.mark.parametrize("stream", [False, True])
def test_upstream_rejecting_our_key_is_a_502_without_its_text(
    make_stack: Callable[..., Stack], status: int, stream: bool
) -> None:
    s = make_stack()
    s.hosted.behaviour = f"status:{status}"  # OpenAI's 401 body echoes part of the key
    with pytest.raises(openai.APIStatusError) as err:
        s.client.chat.completions.create(model="frontier", messages=HELLO, stream=stream)
    assert err.value.status_code == 502
    body = err.value.body
    assert isinstance(body, dict)
    assert (body["type"], body["code"]) == ("upstream_error", "upstream_auth_failed")
    assert "hosted" in body["message"]
    text = err.value.response.text
    assert "Incorrect API key" not in text and "sk-" not in text and "****" not in text


def test_upstream_key_never_reaches_the_client(make_stack: Callable[..., Stack]) -> None:
    s = make_stack(thresholds=ALL_FRONTIER)
    seen: list[str] = []
    for behaviour in ("ok", "status:500", "status:429", "malformed_json", "status:400"):
        s.hosted.behaviour = behaviour
        s.local.behaviour = "status:500"
        for stream in (False, True):
            body = {"model": "frontier", "messages": HELLO, "stream": stream}
            r = httpx.post(s.url + "/chat/completions", json=body, timeout=15)
            seen.append(r.text + repr(r.headers))
    assert all(HOSTED_KEY not in text for text in seen)
    for path in ("/models", "/route"):
        r = httpx.post(s.url + path, json={"model": "auto", "messages": HELLO}, timeout=5)
        assert HOSTED_KEY not in r.text
    assert HOSTED_KEY not in httpx.get(s.root + "/metrics", timeout=5).text


def test_client_key_is_not_forwarded_and_upstream_key_goes_only_to_its_upstream(
    make_stack: Callable[..., Stack],
) -> None:
    s = make_stack(settings={"api_keys": "sk-client:team"})
    s.client.chat.completions.create(model="local", messages=HELLO)
    s.client.chat.completions.create(model="frontier", messages=HELLO)
    assert "authorization" not in s.local.received_headers[-1]
    assert s.hosted.received_headers[-1]["authorization"] == f"Bearer {HOSTED_KEY}"
    sent = orjson.dumps(s.local.received + s.hosted.received).decode()
    assert "sk-client" not in sent


def test_no_request_field_or_header_redirects_the_call(
    make_stack: Callable[..., Stack], make_upstream_double: Callable[..., UpstreamDouble]
) -> None:
    s = make_stack(thresholds=ALL_FRONTIER)
    attacker = make_upstream_double(model_name="attacker")
    redirects = {
        "base_url": attacker.url,
        "api_base": attacker.url,
        "url": attacker.url + "/chat/completions",
        "extra_headers": {"host": attacker.base_url.removeprefix("http://")},
        "extra_body": {"base_url": attacker.url},
        "user": attacker.url,
    }
    headers = {
        "x-tiergate-upstream": attacker.url,
        "x-forwarded-host": attacker.base_url.removeprefix("http://"),
        "openai-base-url": attacker.url,
    }
    for model in ("auto", "frontier", "local"):
        r = httpx.post(
            s.url + "/chat/completions",
            json={"model": model, "messages": HELLO, **redirects},
            headers=headers,
            timeout=15,
        )
        assert r.status_code == 200, r.text
    for model in (attacker.url, attacker.url + "/chat/completions", "http://169.254.169.254/"):
        r = httpx.post(
            s.url + "/chat/completions", json={"model": model, "messages": HELLO}, timeout=15
        )
        assert r.status_code == 404 and r.json()["error"]["code"] == "model_not_found"
    assert attacker.hits == {}
    assert len(s.hosted.received) + len(s.local.received) == 3
