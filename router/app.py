"""create_app(settings) -> GatewayApp (FastAPI): lifespan, routers, error handlers. Wiring only."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from router.api import admin, chat, dashboard, health, models, route
from router.auth import KeyStore, check_exposure
from router.errors import (
    UNEXPECTED,
    GatewayError,
    InvalidRequestError,
    MethodNotAllowedError,
    NotFoundError,
    render,
)
from router.gateway import build_gateway, close_gateway, start_workers
from router.logs import RequestIdMiddleware
from router.routing import Routing
from router.settings import Settings

log = logging.getLogger("tiergate")


def settle_heap() -> None:
    """After start-up, freeze what start-up built (classifier weights, config, modules: it
    lives as long as the process) so full collections stop re-scanning it, and collect young
    objects less often. Measured: the c=16 miss-path p99 went from ~62 ms to ~18 ms, the stalls
    were collector pauses (docs/benchmarks.md)."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(20_000, 20, 20)


class GatewayApp(FastAPI):
    """FastAPI, with POST /v1/chat/completions dispatched ahead of the middleware stack.

    That stack (server-error, telemetry and body-limit middleware, the request-id middleware,
    the exception middleware, the router's matching) cost ~13 % of the gateway's CPU per chat
    request at c=16 (py-spy during `bench overhead`) and does nothing the route needs: it reads
    its own body under its own limit, renders its own errors and sets its own request id
    (`chat.endpoint`). Every other request takes FastAPI's way."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == chat.PATH and scope["method"] == "POST":
            scope["app"] = self
            await chat.endpoint(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


def create_app(
    settings: Settings, routing: Routing | None = None, env: Mapping[str, str] | None = None
) -> GatewayApp:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        gateway = build_gateway(settings, env, routing)
        app.state.gateway = gateway
        try:
            await start_workers(gateway)
            await gateway.pool.start()
            await gateway.cache.store.warm()
            gateway.decisions.start()
            if gateway.tuning is not None:
                await gateway.tuning.poll()  # thresholds another replica or run stored
                gateway.tuning.start()
            gateway.traffic.start()
            settle_heap()
            if gateway.controller is not None:
                gateway.controller.start()
            yield
        finally:
            await close_gateway(gateway)

    # Checked now, not in the lifespan, so that `tiergate serve` stops with exit 2 and a message.
    check_exposure(settings, KeyStore.from_settings(settings, routing))
    app = GatewayApp(
        title="tiergate", version="0.1.0", lifespan=lifespan, docs_url=None, redoc_url=None
    )
    for module in (chat, models, route, health, admin, dashboard):
        app.include_router(module.router)
    app.add_middleware(RequestIdMiddleware)
    app.add_exception_handler(GatewayError, _gateway_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)
    return app


async def _gateway_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, GatewayError)
    return render(exc)


async def _validation_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
    param = ".".join(str(p) for p in first["loc"] if p != "body") or None
    return render(InvalidRequestError(f"Invalid request: {first['msg']}", param=param))


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    if exc.status_code == 404:
        return render(NotFoundError(f"Unknown path: {request.method} {request.url.path}"))
    if exc.status_code == 405:
        return render(MethodNotAllowedError(f"Method {request.method} not allowed here."))
    return render(InvalidRequestError(str(exc.detail)))


async def _unexpected_error(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.url.path)
    return render(GatewayError(UNEXPECTED))
