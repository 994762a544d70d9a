"""How an upstream call can fail, in the two kinds the fallback loop acts on.

- `UpstreamFailure`: connection error, timeout, 5xx, 429 or a malformed answer, before the first
  byte reached the client -> the next target may be tried;
- `RelayedError` (router.errors), built here from the upstream's own body: its 4xx, the
  client's fault, relayed with its status — except 401/403, which mean the gateway's own key
  was refused and become a 502 without the upstream's text.
"""

from __future__ import annotations

from collections.abc import Mapping

import orjson

from router.errors import RelayedError


class UpstreamFailure(Exception):
    """A failure that allows trying the next target. `kind` labels metrics:
    connect | timeout | status_5xx | status_429 | malformed | stream_broken."""

    def __init__(
        self,
        upstream: str,
        kind: str,
        detail: str,
        status: int | None = None,
        retry_after: str | None = None,
    ) -> None:
        super().__init__(f"{upstream}: {kind}: {detail}")
        self.upstream = upstream
        self.kind = kind
        self.detail = detail
        self.status = status
        self.retry_after = retry_after


# OpenAI's error types; other servers' own names (vLLM says "BadRequestError") are mapped to
# these by status, so clients see one vocabulary whichever upstream answered.
OPENAI_ERROR_TYPES = frozenset(
    {
        "invalid_request_error",
        "authentication_error",
        "permission_error",
        "not_found_error",
        "rate_limit_error",
        "server_error",
        "api_error",
    }
)


def error_type(status: int, given: object) -> str:
    if isinstance(given, str) and given in OPENAI_ERROR_TYPES:
        return given
    return {403: "permission_error", 429: "rate_limit_error"}.get(status, "invalid_request_error")


def relayed_error(status: int, raw: bytes, headers: Mapping[str, str]) -> RelayedError:
    """An upstream 4xx as a client-visible error, keeping its status and message."""
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        data = None
    err = data.get("error") if isinstance(data, dict) else None
    if isinstance(err, str):  # some servers send {"error": "text"}
        err = {"message": err}
    if not isinstance(err, dict):  # vLLM's older shape is flat: {"object": "error", ...}
        err = data if isinstance(data, dict) else {"message": raw[:500].decode(errors="replace")}
    code = err.get("code")
    keep = {k: v for k, v in headers.items() if k.lower() == "retry-after"}
    return RelayedError(
        status,
        str(err.get("message") or f"upstream returned HTTP {status}"),
        type_=error_type(status, err.get("type")),
        param=err.get("param") if isinstance(err.get("param"), str) else None,
        code=code if isinstance(code, str) else None,
        headers=keep,
    )


def credentials_rejected(upstream: str, status: int) -> RelayedError:
    """An upstream's 401/403 means the gateway's own key was refused: not the client's fault,
    and the body may echo part of that key ("Incorrect API key provided: sk-ab***yz"). So
    neither its status nor its text reaches the client: 502 `upstream_auth_failed`."""
    return RelayedError(
        502,
        f"Upstream '{upstream}' rejected the gateway's credentials (HTTP {status}). This is a "
        "gateway configuration problem, not a problem with your request.",
        type_="upstream_error",
        param=None,
        code="upstream_auth_failed",
    )
