"""Structured JSON logs on stderr: one object per line, with the request id and, for the
per-request line, the decision record.

What never reaches a log line: prompt or completion text (the decision record holds ids,
route, scores, tokens and cost; the gateway logs no request or answer bodies, and upstream
failure details stay out of messages), and secrets (upstream keys are read from the
environment into the clients' headers and nowhere else; client keys exist only as digests).
The request id comes from `RequestIdMiddleware` through a context variable, so every line
logged while a request is handled — by any module, in any task it starts — carries it.
"""

from __future__ import annotations

import contextvars
import logging
import sys
import time
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from router.trace import request_id

current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "tiergate_request_id", default=None
)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        rid = current_request_id.get()
        if rid is not None:
            out["request_id"] = rid
        decision = getattr(record, "decision", None)
        if isinstance(decision, dict):
            out.update(decision)
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(out, default=str).decode()


class RequestIdMiddleware:
    """Give every HTTP request one id: the caller's sane `x-request-id`, else a new one. It is
    written back into the request's headers (so handlers read the same id), bound for logging,
    and sent on the response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = [(k, v) for k, v in scope["headers"] if k != b"x-request-id"]
        incoming = next((v for k, v in scope["headers"] if k == b"x-request-id"), b"")
        rid = request_id(incoming.decode("latin-1") or None)
        headers.append((b"x-request-id", rid.encode()))
        scope = {**scope, "headers": headers}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = list(message.get("headers", []))
                if not any(k.lower() == b"x-request-id" for k, _ in out):
                    out.append((b"x-request-id", rid.encode()))
                message = {**message, "headers": out}
            await send(message)

        token = current_request_id.set(rid)
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            current_request_id.reset(token)


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in ("uvicorn.access",):
        logging.getLogger(noisy).setLevel(logging.WARNING)
