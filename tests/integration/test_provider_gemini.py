"""Gemini through its OpenAI-compatible endpoint: a plain `kind: openai` upstream whose base URL
ends in `/v1beta/openai` (Google's layout) instead of `/v1`.

The OpenAI double is served behind a prefix rewrite, so the gateway really calls
`{base_url}/chat/completions` and probes `{base_url}/models` under `/v1beta/openai`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam
from starlette.types import ASGIApp, Receive, Scope, Send

from router.app import create_app
from router.routing import parse_routing
from router.settings import Settings
from tests.fakes.server import serve_in_thread
from tests.fakes.upstream import UpstreamDouble

GEMINI_KEY = "gemini-test-key"
GEMINI_PREFIX = "/v1beta/openai"
HELLO: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Hello, Gemini"}]


class GeminiPaths:
    """ASGI wrapper serving the OpenAI double's `/v1/...` routes under `/v1beta/openai/...`;
    anything else is a 404, as on Google's host."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.paths: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            self.paths.append(path)
            if not path.startswith(GEMINI_PREFIX + "/"):
                scope = {**scope, "path": "/not-found", "raw_path": b"/not-found"}
            else:
                rewritten = "/v1" + path.removeprefix(GEMINI_PREFIX)
                scope = {**scope, "path": rewritten, "raw_path": rewritten.encode()}
        await self.app(scope, receive, send)


@pytest.fixture
def gemini(
    make_upstream_double: Callable[..., UpstreamDouble],
) -> Iterator[tuple[openai.OpenAI, UpstreamDouble, GeminiPaths]]:
    with contextlib.ExitStack() as stack:
        local = make_upstream_double(model_name="smollm2-135m")
        double = UpstreamDouble(model_name="gemini-2.5-flash")  # its app only, served below
        wrapper = GeminiPaths(double.app)
        gemini_root = stack.enter_context(serve_in_thread(wrapper, lifespan="off"))
        timeouts = {"connect": 1.0, "first_byte": 3.0, "total": 10.0}
        doc: dict[str, Any] = {
            "upstreams": {
                "local-small": {"kind": "llamacpp", "base_url": local.url, "timeouts": timeouts},
                "gemini": {
                    "kind": "openai",
                    "base_url": gemini_root + GEMINI_PREFIX,
                    "api_key_env": "GEMINI_API_KEY",
                    "timeouts": timeouts,
                },
            },
            "tiers": {
                "local": {"targets": ["local-small"], "model": "smollm2-135m"},
                "frontier": {"targets": ["gemini"], "model": "gemini-2.5-flash"},
            },
            "thresholds": {"difficulty": 0.0, "sensitivity": 0.5},
        }
        app = create_app(
            Settings(launch_workers=False), parse_routing(doc), env={"GEMINI_API_KEY": GEMINI_KEY}
        )
        root = stack.enter_context(serve_in_thread(app))
        client = openai.OpenAI(
            base_url=root + "/v1", api_key="sk-client", max_retries=0, timeout=15
        )
        stack.callback(client.close)
        yield client, double, wrapper


def test_gemini_openai_endpoint_answers_through_the_gateway(
    gemini: tuple[openai.OpenAI, UpstreamDouble, GeminiPaths],
) -> None:
    client, double, wrapper = gemini
    raw = client.chat.completions.with_raw_response.create(model="frontier", messages=HELLO)
    answer = raw.parse()
    assert raw.headers["x-tiergate-tier"] == "frontier"
    assert answer.choices[0].message.content
    assert answer.model == "gemini-2.5-flash"
    assert double.last_request["model"] == "gemini-2.5-flash"
    assert double.received_headers[-1]["authorization"] == f"Bearer {GEMINI_KEY}"
    assert f"{GEMINI_PREFIX}/chat/completions" in wrapper.paths
    assert f"{GEMINI_PREFIX}/models" in wrapper.paths  # the health probe


def test_gemini_stream_through_the_gateway(
    gemini: tuple[openai.OpenAI, UpstreamDouble, GeminiPaths],
) -> None:
    client, double, _ = gemini
    chunks = list(
        client.chat.completions.create(
            model="frontier", messages=HELLO, stream=True, stream_options={"include_usage": True}
        )
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert chunks[-1].usage is not None
    assert double.last_request["stream_options"] == {"include_usage": True}
