"""Bad input through a running gateway: always an OpenAI-shaped 4xx, never a 500 or a hang."""

from __future__ import annotations

from collections.abc import Callable

import aiohttp
import openai
import orjson
import pytest

from tests.integration.conftest import Stack

HELLO = [{"role": "user", "content": "Say hello."}]


async def post(url: str, data: bytes, headers: dict[str, str] | None = None) -> tuple[int, dict]:
    async with (
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as session,
        session.post(
            url, data=data, headers=headers or {"content-type": "application/json"}
        ) as resp,
    ):
        return resp.status, orjson.loads(await resp.read())


def shaped(body: dict) -> bool:
    return set(body) == {"error"} and set(body["error"]) == {"message", "type", "param", "code"}


@pytest.mark.parametrize(
    ("data", "status", "param"),
    [
        (b"{oops", 400, None),
        (b"", 400, None),
        (b'"just a string"', 400, None),
        (orjson.dumps({"model": "auto"}), 400, "messages"),
        (orjson.dumps({"model": "auto", "messages": []}), 400, "messages"),
        (orjson.dumps({"model": "auto", "messages": "hi"}), 400, "messages"),
        (orjson.dumps({"model": 3, "messages": HELLO}), 400, "model"),
        (
            orjson.dumps({"model": "auto", "messages": [{"content": "no role"}]}),
            400,
            "messages.0.role",
        ),
        (orjson.dumps({"model": "auto", "messages": HELLO, "max_tokens": -1}), 400, "max_tokens"),
        (orjson.dumps({"model": "gpt-9000", "messages": HELLO}), 404, "model"),
    ],
)
async def test_bad_requests_get_openai_shaped_4xx(
    gw: Stack, data: bytes, status: int, param: str | None
) -> None:
    code, body = await post(gw.url + "/chat/completions", data)
    assert code == status, body
    assert shaped(body) and body["error"]["param"] == param
    assert gw.local.received == [] and gw.hosted.received == []


async def test_body_over_the_limit_is_413(make_stack: Callable[..., Stack]) -> None:
    s = make_stack(limits={"max_body_bytes": 2048, "max_messages": 4})
    big = orjson.dumps({"model": "auto", "messages": [{"role": "user", "content": "x" * 4096}]})
    code, body = await post(s.url + "/chat/completions", big)
    assert code == 413 and body["error"]["code"] == "request_too_large"
    many = orjson.dumps({"model": "auto", "messages": HELLO * 5})
    code, body = await post(s.url + "/chat/completions", many)
    assert code == 400 and body["error"]["code"] == "too_many_messages"


async def test_unknown_path_and_method_are_shaped(gw: Stack) -> None:
    code, body = await post(gw.url + "/nope", b"{}")
    assert code == 404 and shaped(body)
    async with (
        aiohttp.ClientSession() as session,
        session.get(gw.url + "/chat/completions") as resp,
    ):
        assert resp.status == 405 and shaped(await resp.json())


def test_sdk_sees_typed_errors(gw: Stack) -> None:
    with pytest.raises(openai.NotFoundError):
        gw.client.chat.completions.create(model="no-such-model", messages=HELLO)  # type: ignore[arg-type]
    with pytest.raises(openai.BadRequestError):
        gw.client.chat.completions.create(model="auto", messages=[])


def test_client_keys_are_enforced_when_configured(make_stack: Callable[..., Stack]) -> None:
    s = make_stack(settings={"api_keys": "sk-client:team-a"})
    assert s.client.chat.completions.create(model="local", messages=HELLO)  # type: ignore[arg-type]
    bad = openai.OpenAI(base_url=s.url, api_key="sk-wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as info:
        bad.chat.completions.create(model="local", messages=HELLO)  # type: ignore[arg-type]
    bad.close()
    assert info.value.body["code"] == "invalid_api_key"  # type: ignore[index]
    assert len(s.local.received) == 1
