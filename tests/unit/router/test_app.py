"""GatewayApp's dispatch: POST /v1/chat/completions goes straight to the chat endpoint, which
answers an unexpected failure as FastAPI's error middleware would have (a logged 500 in OpenAI
form, with the request id); every other request still takes FastAPI's way."""

from __future__ import annotations

import logging

import httpx
import pytest

from router.app import create_app
from router.settings import Settings


def client() -> httpx.AsyncClient:
    # No lifespan: the app has no gateway, so the chat handler fails on its first line.
    app = create_app(Settings())
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw")


async def test_an_unexpected_failure_in_the_chat_route_is_a_500_in_openai_form(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR, logger="tiergate"):
        async with client() as c:
            r = await c.post("/v1/chat/completions", json={}, headers={"x-request-id": "abc-1"})
    assert r.status_code == 500
    assert r.json()["error"]["type"] == "server_error"
    assert r.headers["x-request-id"] == "abc-1"
    assert any("unexpected error on POST" in rec.getMessage() for rec in caplog.records)


async def test_other_methods_and_paths_still_take_fastapis_way() -> None:
    async with client() as c:
        wrong_method = await c.get("/v1/chat/completions")
        unknown = await c.post("/v1/chat/completion")
        schema = await c.get("/openapi.json")
    assert wrong_method.status_code == 405 and "error" in wrong_method.json()
    assert unknown.status_code == 404 and "error" in unknown.json()
    assert "/v1/chat/completions" in schema.json()["paths"]  # the route keeps its OpenAPI entry
