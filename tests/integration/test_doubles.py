"""The test doubles themselves: the upstream double speaks OpenAI's wire format and misbehaves
as asked, serve_in_thread runs lifespans, and the Redis fixtures give a real, restartable Redis."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import openai
import orjson
import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tests.fakes.redis_server import RedisServer
from tests.fakes.server import serve_in_thread
from tests.fakes.upstream import UpstreamDouble, load_fixture, load_stream_fixture

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Say hello"}]}
STREAM = {**CHAT, "stream": True}
STREAM_WITH_USAGE = {**STREAM, "stream_options": {"include_usage": True}}
RECORDED_TEXT = "Hello! How can I assist you today?"
TIMEOUT = aiohttp.ClientTimeout(total=10)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=TIMEOUT) as session:
        yield session


def sse_payloads(raw: bytes) -> list[bytes]:
    """The data payloads of an SSE body, checking OpenAI's exact framing on the way."""
    assert raw.endswith(b"data: [DONE]\n\n")
    frames = raw.split(b"\n\n")
    assert frames[-1] == b""
    payloads = []
    for frame in frames[:-1]:
        assert frame.startswith(b"data: "), frame
        assert b"\n" not in frame
        payloads.append(frame[len(b"data: ") :])
    assert payloads[-1] == b"[DONE]"
    return payloads[:-1]


def stream_text(chunks: list[dict[str, Any]]) -> str:
    return "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])


async def post_chat(
    http: aiohttp.ClientSession, double: UpstreamDouble, body: dict[str, Any]
) -> tuple[int, str, bytes]:
    async with http.post(f"{double.url}/chat/completions", json=body) as resp:
        return resp.status, resp.headers.get("content-type", ""), await resp.read()


# -- ok ----------------------------------------------------------------------------------------


async def test_ok_answers_the_recorded_completion_and_echoes_the_model(
    upstream_double: UpstreamDouble, http: aiohttp.ClientSession
) -> None:
    async with http.post(
        f"{upstream_double.url}/chat/completions",
        json=CHAT,
        headers={"Authorization": "Bearer sk-test"},
    ) as resp:
        assert resp.status == 200
        assert resp.headers["content-type"] == "application/json"
        assert resp.headers["x-request-id"].startswith("req_")
        body = await resp.json()

    recorded = load_fixture("chat_completion.json")
    assert body.keys() == recorded.keys()
    assert body["object"] == "chat.completion"
    assert body["model"] == "gpt-4o-mini"
    assert body["id"].startswith("chatcmpl-") and body["id"] != recorded["id"]
    assert body["choices"] == recorded["choices"]
    assert body["usage"] == recorded["usage"]
    assert upstream_double.received == [CHAT]
    assert upstream_double.received_headers[0]["authorization"] == "Bearer sk-test"
    assert upstream_double.hits["POST /v1/chat/completions"] == 1


async def test_the_official_sdk_parses_the_answer(upstream_double: UpstreamDouble) -> None:
    upstream_double.reply_text = "Hi from the double."
    async with openai.AsyncOpenAI(
        base_url=upstream_double.url, api_key="sk-test", max_retries=0
    ) as client:
        completion = await client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
        )
    assert completion.model == "gpt-4o-mini"
    assert completion.choices[0].message.content == "Hi from the double."
    assert completion.choices[0].finish_reason == "stop"
    assert completion.usage is not None and completion.usage.total_tokens == 18
    assert completion.service_tier == "default"


async def test_tool_calls_behaviour(
    upstream_double: UpstreamDouble, http: aiohttp.ClientSession
) -> None:
    upstream_double.behaviour = "tool_calls"
    status, _, raw = await post_chat(http, upstream_double, CHAT)
    body = orjson.loads(raw)
    assert status == 200
    assert body["choices"][0]["finish_reason"] == "tool_calls"
    message = body["choices"][0]["message"]
    assert message["content"] is None
    assert message["tool_calls"][0]["function"]["name"] == "get_current_weather"


# -- streaming ---------------------------------------------------------------------------------


async def test_stream_without_usage_has_no_usage_anywhere(
    upstream_double: UpstreamDouble, http: aiohttp.ClientSession
) -> None:
    status, content_type, raw = await post_chat(http, upstream_double, STREAM)
    assert status == 200
    assert content_type.startswith("text/event-stream")
    chunks = [orjson.loads(p) for p in sse_payloads(raw)]

    assert all(c["object"] == "chat.completion.chunk" for c in chunks)
    assert all("usage" not in c for c in chunks)
    assert all(c["choices"] for c in chunks)
    assert len({c["id"] for c in chunks}) == 1
    assert all(c["model"] == "gpt-4o-mini" for c in chunks)
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": "", "refusal": None}
    assert chunks[-1]["choices"][0]["delta"] == {}
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert stream_text(chunks) == RECORDED_TEXT


async def test_stream_with_include_usage_ends_with_a_usage_chunk(
    upstream_double: UpstreamDouble, http: aiohttp.ClientSession
) -> None:
    _, _, raw = await post_chat(http, upstream_double, STREAM_WITH_USAGE)
    chunks = [orjson.loads(p) for p in sse_payloads(raw)]

    *rest, last = chunks
    assert last["choices"] == []
    assert last["usage"] == load_stream_fixture()[-1]["usage"]
    assert all(c["usage"] is None for c in rest)
    assert rest[-1]["choices"][0]["finish_reason"] == "stop"
    assert stream_text(chunks) == RECORDED_TEXT


async def test_stream_reply_text_and_chunk_delay(
    upstream_double: UpstreamDouble, http: aiohttp.ClientSession
) -> None:
    upstream_double.reply_text = "one two three"
    upstream_double.stream_chunk_delay = 0.05
    started = time.monotonic()
    _, _, raw = await post_chat(http, upstream_double, STREAM)
    elapsed = time.monotonic() - started
    chunks = [orjson.loads(p) for p in sse_payloads(raw)]
    assert [c["choices"][0]["delta"].get("content") for c in chunks[1:-1]] == [
        "one",
        " two",
        " three",
    ]
    # role + 3 pieces + finish + [DONE] = 6 frames, 5 gaps
    assert elapsed >= 5 * 0.05


async def test_the_official_sdk_streams_with_usage(upstream_double: UpstreamDouble) -> None:
    async with openai.AsyncOpenAI(
        base_url=upstream_double.url, api_key="sk-test", max_retries=0
    ) as client:
        stream = await client.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "hi"}],
            stream=True,
            stream_options={"include_usage": True},
        )
        chunks = [chunk async for chunk in stream]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == RECORDED_TEXT
    assert chunks[-1].choices == []
    assert chunks[-1].usage is not None and chunks[-1].usage.total_tokens == 28


# -- error statuses ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "fixture"),
    [
        (400, "error_400.json"),
        (401, "error_401.json"),
        (429, "error_429.json"),
        (500, "error_500.json"),
        (503, "error_500.json"),
    ],
)
@pytest.mark.parametrize("body", [CHAT, STREAM], ids=["json", "stream"])
async def test_status_behaviour_answers_the_error_fixture(
    upstream_double: UpstreamDouble,
    http: aiohttp.ClientSession,
    code: int,
    fixture: str,
    body: dict[str, Any],
) -> None:
    upstream_double.behaviour = f"status:{code}"
    status, content_type, raw = await post_chat(http, upstream_double, body)
    assert status == code
    assert content_type == "application/json"
    error = orjson.loads(raw)
    assert error == load_fixture(fixture)
    assert set(error["error"]) == {"message", "type", "param", "code"}


@pytest.mark.parametrize(
    ("code", "exception"),
    [
        (400, openai.BadRequestError),
        (401, openai.AuthenticationError),
        (429, openai.RateLimitError),
        (500, openai.InternalServerError),
    ],
)
async def test_the_official_sdk_maps_the_error_statuses(
    upstream_double: UpstreamDouble, code: int, exception: type[openai.APIStatusError]
) -> None:
    upstream_double.behaviour = f"status:{code}"
    async with openai.AsyncOpenAI(
        base_url=upstream_double.url, api_key="sk-test", max_retries=0
    ) as client:
        with pytest.raises(exception) as caught:
            await client.chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "hi"}]
            )
    assert caught.value.status_code == code
    assert caught.value.body == load_fixture(f"error_{code}.json")["error"]


async def test_extra_headers_reach_the_client(
    upstream_double: UpstreamDouble, http: aiohttp.ClientSession
) -> None:
    upstream_double.behaviour = "status:429"
    upstream_double.extra_headers = {"retry-after": "2"}
    async with http.post(f"{upstream_double.url}/chat/completions", json=CHAT) as resp:
        assert resp.status == 429
        assert resp.headers["retry-after"] == "2"


async def test_queued_behaviours_apply_once_each_in_order(
    upstream_double: UpstreamDouble, http: aiohttp.ClientSession
) -> None:
    upstream_double.queue_behaviours("status:500", "status:429")
    statuses = [(await post_chat(http, upstream_double, CHAT))[0] for _ in range(3)]
    assert statuses == [500, 429, 200]


async def test_a_body_that_is_not_json_gets_openais_400(
    upstream_double: UpstreamDouble, http: aiohttp.ClientSession
) -> None:
    async with http.post(f"{upstream_double.url}/chat/completions", data=b"{not json") as resp:
        assert resp.status == 400
        error = (await resp.json())["error"]
    assert error["type"] == "invalid_request_error"
    assert error["message"].startswith("We could not parse the JSON body of your request.")
    assert upstream_double.received == [{"__invalid_json__": "{not json"}]


async def test_get_on_the_chat_route_is_405(
    upstream_double: UpstreamDouble, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{upstream_double.url}/chat/completions") as resp:
        assert resp.status == 405


def test_unknown_behaviours_are_refused(upstream_double: UpstreamDouble) -> None:
    for bad in ("nope", "status:200", "status:abc", "slow_first_byte:x", "hang:3"):
        with pytest.raises(ValueError, match="unknown upstream double behaviour"):
            upstream_double.behaviour = bad
    assert upstream_double.behaviour == "ok"


# -- slow, reset, malformed, hang --------------------------------------------------------------


@pytest.mark.parametrize("body", [CHAT, STREAM], ids=["json", "stream"])
async def test_slow_first_byte_delays_the_headers(
    upstream_double: UpstreamDouble, http: aiohttp.ClientSession, body: dict[str, Any]
) -> None:
    upstream_double.behaviour = "slow_first_byte:0.4"
    started = time.monotonic()
    status, _, _ = await post_chat(http, upstream_double, body)
    assert status == 200
    assert time.monotonic() - started >= 0.4

    with pytest.raises(asyncio.TimeoutError):
        async with http.post(
            f"{upstream_double.url}/chat/completions",
            json=body,
            timeout=aiohttp.ClientTimeout(total=10, sock_read=0.1),
        ):
            pass


async def test_reset_mid_stream_breaks_the_connection_after_two_chunks(
    upstream_double: UpstreamDouble, http: aiohttp.ClientSession
) -> None:
    upstream_double.behaviour = "reset_mid_stream"
    lines: list[bytes] = []
    with pytest.raises(aiohttp.ClientPayloadError):
        async with http.post(f"{upstream_double.url}/chat/completions", json=STREAM) as resp:
            assert resp.status == 200
            async for line in resp.content:
                lines.append(line)
    data = [line for line in lines if line.startswith(b"data: ")]
    assert len(data) == 2
    assert b"[DONE]" not in b"".join(lines)


async def test_reset_mid_stream_truncates_a_json_answer(
    upstream_double: UpstreamDouble, http: aiohttp.ClientSession
) -> None:
    upstream_double.behaviour = "reset_mid_stream"
    with pytest.raises(aiohttp.ClientPayloadError):
        async with http.post(f"{upstream_double.url}/chat/completions", json=CHAT) as resp:
            assert resp.status == 200
            await resp.read()


async def test_the_double_recovers_after_a_reset(
    upstream_double: UpstreamDouble, http: aiohttp.ClientSession
) -> None:
    upstream_double.queue_behaviours("reset_mid_stream")
    with pytest.raises(aiohttp.ClientPayloadError):
        await post_chat(http, upstream_double, STREAM)
    status, _, raw = await post_chat(http, upstream_double, STREAM)
    assert status == 200
    assert stream_text([orjson.loads(p) for p in sse_payloads(raw)]) == RECORDED_TEXT


async def test_malformed_json_answer(
    upstream_double: UpstreamDouble, http: aiohttp.ClientSession
) -> None:
    upstream_double.behaviour = "malformed_json"
    status, content_type, raw = await post_chat(http, upstream_double, CHAT)
    assert (status, content_type) == (200, "application/json")
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(raw)


async def test_malformed_json_stream_frame(
    upstream_double: UpstreamDouble, http: aiohttp.ClientSession
) -> None:
    upstream_double.behaviour = "malformed_json"
    status, _, raw = await post_chat(http, upstream_double, STREAM)
    assert status == 200
    payloads = sse_payloads(raw)
    assert len(payloads) == 1
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(payloads[0])


async def test_hang_holds_the_request_and_is_let_go(
    upstream_double: UpstreamDouble, http: aiohttp.ClientSession
) -> None:
    upstream_double.behaviour = "hang"
    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(post_chat(http, upstream_double, CHAT), timeout=0.3)

    upstream_double.hang_seconds = 0.2
    status, _, raw = await post_chat(http, upstream_double, CHAT)
    assert status == 504
    assert orjson.loads(raw)["error"]["type"] == "server_error"


async def test_stopping_the_double_releases_a_hanging_request(
    http: aiohttp.ClientSession,
) -> None:
    double = UpstreamDouble().start()
    try:
        double.behaviour = "hang"
        pending = asyncio.ensure_future(post_chat(http, double, CHAT))
        await asyncio.sleep(0.2)
        assert not pending.done()
        started = time.monotonic()
        await asyncio.to_thread(double.stop)
        assert time.monotonic() - started < 3
        status, _, _ = await asyncio.wait_for(pending, timeout=5)
        assert status == 504
    finally:
        double.stop()


# -- health, models, metrics -------------------------------------------------------------------


async def test_health_and_models_follow_healthy(
    upstream_double: UpstreamDouble, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{upstream_double.base_url}/health") as resp:
        assert resp.status == 200
    async with http.get(f"{upstream_double.url}/models") as resp:
        assert resp.status == 200
        models = await resp.json()
    assert models["object"] == "list"
    assert models["data"][0]["id"] == upstream_double.model_name
    assert models["data"][0]["object"] == "model"
    assert {"created", "owned_by"} <= models["data"][0].keys()

    upstream_double.healthy = False
    async with http.get(f"{upstream_double.base_url}/health") as resp:
        assert resp.status == 503
    async with http.get(f"{upstream_double.url}/models") as resp:
        assert resp.status == 503
    assert upstream_double.hits["GET /health"] == 2


async def test_models_through_the_official_sdk(upstream_double: UpstreamDouble) -> None:
    async with openai.AsyncOpenAI(
        base_url=upstream_double.url, api_key="sk-test", max_retries=0
    ) as client:
        page = await client.models.list()
    assert [m.id for m in page.data] == ["tiergate-double"]


async def test_metrics_body_is_settable(
    upstream_double: UpstreamDouble, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{upstream_double.base_url}/metrics") as resp:
        assert resp.status == 200
        assert resp.headers["content-type"].startswith("text/plain; version=0.0.4")
        assert "vllm:num_requests_waiting" in await resp.text()

    upstream_double.set_metrics({"vllm:num_requests_waiting": 12})
    async with http.get(f"{upstream_double.base_url}/metrics") as resp:
        text = await resp.text()
    assert 'vllm:num_requests_waiting{model_name="tiergate-double"} 12' in text

    upstream_double.metrics_text = "vllm:num_requests_waiting 3\n"
    async with http.get(f"{upstream_double.base_url}/metrics") as resp:
        assert await resp.text() == "vllm:num_requests_waiting 3\n"


async def test_several_doubles_are_independent(
    make_upstream_double: Callable[..., UpstreamDouble], http: aiohttp.ClientSession
) -> None:
    local = make_upstream_double(model_name="smollm2")
    hosted = make_upstream_double(model_name="gpt-4o")
    assert local.url != hosted.url
    hosted.behaviour = "status:500"
    assert (await post_chat(http, local, CHAT))[0] == 200
    assert (await post_chat(http, hosted, CHAT))[0] == 500
    assert len(local.received) == len(hosted.received) == 1


# -- serve_in_thread ---------------------------------------------------------------------------


def _lifespan_app(events: list[str], *, fail: bool = False) -> Starlette:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        events.append("startup")
        if fail:
            raise RuntimeError("startup failed on purpose")
        yield
        events.append("shutdown")

    async def ping(request: Request) -> Response:
        return JSONResponse({"events": events})

    return Starlette(routes=[Route("/ping", ping)], lifespan=lifespan)


async def test_serve_in_thread_runs_the_lifespan(http: aiohttp.ClientSession) -> None:
    events: list[str] = []
    with serve_in_thread(_lifespan_app(events)) as url:
        assert url.startswith("http://127.0.0.1:") and not url.endswith(":0")
        async with http.get(f"{url}/ping") as resp:
            assert (await resp.json()) == {"events": ["startup"]}
    assert events == ["startup", "shutdown"]


def test_serve_in_thread_reports_a_failed_startup(caplog: pytest.LogCaptureFixture) -> None:
    started = time.monotonic()
    with (
        pytest.raises(RuntimeError, match="exited before it started"),
        serve_in_thread(_lifespan_app([], fail=True)),
    ):
        pass
    assert time.monotonic() - started < 5


# -- redis -------------------------------------------------------------------------------------


@pytest.mark.parametrize("round_", [1, 2])
def test_redis_url_is_real_and_flushed_per_test(redis_url: str, round_: int) -> None:
    client = redis.Redis.from_url(redis_url)
    try:
        assert client.dbsize() == 0  # the other round's key is gone
        client.set(f"key-{round_}", "value")
        assert client.get(f"key-{round_}") == b"value"
    finally:
        client.close()


def test_redis_server_stops_and_starts_on_the_same_port(
    make_redis_server: Callable[[], RedisServer],
) -> None:
    server = make_redis_server()
    url, port = server.url, server.port
    client = redis.Redis.from_url(
        url, socket_connect_timeout=1, socket_timeout=1, retry=Retry(NoBackoff(), 0)
    )
    try:
        client.set("k", "v")
        server.stop()
        assert not server.running and not server.ping()
        with pytest.raises(redis.exceptions.ConnectionError):
            client.get("k")

        server.start()
        assert server.port == port and server.url == url
        assert client.get("k") is None  # nothing persisted
        client.set("k", "v2")
        server.stop(kill=True)  # a crash
        with pytest.raises(redis.exceptions.ConnectionError):
            client.get("k")
        server.start()
        assert client.ping()
    finally:
        client.close()


def test_redis_url_restarts_the_session_redis_if_a_test_stopped_it(
    redis_server: RedisServer,
) -> None:
    redis_server.stop()
    assert not redis_server.ping()
    redis_server.ensure_running()
    assert redis_server.ping()
