"""`/admin/...`: thresholds (versioned, shared), routing reload, recent decisions.

Behind `TIERGATE_ADMIN_KEY` (`Authorization: Bearer`), compared in constant time; a client key
is never an admin key (start-up refuses one that is both). With no admin key configured the
whole API answers 404, as if it did not exist. Errors have OpenAI's shape.
"""

from __future__ import annotations

import asyncio
import os
from collections import deque
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from router.auth import KeyStore, match_bearer
from router.deps import GatewayDep
from router.errors import (
    AuthenticationError,
    ConfigError,
    InvalidRequestError,
    NotFoundError,
)
from router.gateway import Gateway, resolve_routing
from router.routing import Routing
from router.thresholds import ThresholdsUnavailableError

router = APIRouter(prefix="/admin")

# Parts of the routing file a reload cannot change: their clients are built at start-up.
RESTART_ONLY = ("upstreams", "cache", "decisions", "dashboard")


def require_admin(request: Request, gw: GatewayDep) -> str:
    """Who is acting (a short fingerprint of the admin key and the client's address)."""
    if gw.admin_digest is None:
        raise NotFoundError(f"Unknown path: {request.method} {request.url.path}")
    table = {gw.admin_digest: "admin"}
    if match_bearer(request.headers.get("authorization"), table) is None:
        raise AuthenticationError("This is not the admin key.")
    client = request.client.host if request.client else "-"
    return f"admin:{gw.admin_digest.hex()[:8]}@{client}"


AdminDep = Annotated[str, Depends(require_admin)]


class ThresholdsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")

    difficulty: Annotated[float, Field(ge=0, le=1)]
    sensitivity: Annotated[float, Field(ge=0, le=1)]


def _view(gw: Gateway, record: dict[str, Any]) -> dict[str, Any]:
    return {"object": "tiergate.thresholds", **record, "in_force": gw.thresholds.model_dump()}


@router.get("/thresholds")
async def get_thresholds(gw: GatewayDep, who: AdminDep) -> dict[str, Any]:
    assert gw.tuning is not None
    return _view(gw, await gw.tuning.store.current())


@router.put("/thresholds")
async def put_thresholds(request: Request, gw: GatewayDep, who: AdminDep) -> dict[str, Any]:
    try:
        body = ThresholdsBody.model_validate(orjson.loads(await request.body()))
    except (orjson.JSONDecodeError, ValidationError) as exc:
        raise InvalidRequestError(
            'Body must be {"difficulty": 0..1, "sensitivity": 0..1}: ' + _first_problem(exc)
        ) from None
    assert gw.tuning is not None
    record = await gw.tuning.store.change(body.difficulty, body.sensitivity, who)
    gw.tuning.adopt(record)
    return _view(gw, record)


@router.post("/thresholds/rollback")
async def rollback_thresholds(gw: GatewayDep, who: AdminDep) -> dict[str, Any]:
    assert gw.tuning is not None
    record = await gw.tuning.store.change(0.0, 0.0, who, action="rollback")
    gw.tuning.adopt(record)
    return _view(gw, record)


@router.get("/thresholds/history")
async def threshold_history(
    gw: GatewayDep, who: AdminDep, limit: Annotated[int, Query(ge=1, le=100)] = 100
) -> dict[str, Any]:
    assert gw.tuning is not None
    return {"object": "list", "data": await gw.tuning.store.history(limit)}


@router.post("/reload")
async def reload_routing(gw: GatewayDep, who: AdminDep) -> dict[str, Any]:
    """Re-read the routing file; a bad file (or a change that needs a restart) keeps the old
    one in force and answers 400 naming the key."""
    if gw.settings.config is None:
        raise InvalidRequestError(
            "No routing file to reload: this gateway runs the embedded default.",
            code="reload_unavailable",
        )
    try:
        new = resolve_routing(gw.settings, os.environ)
        keys = gw.keys.rebind(new)
    except ConfigError as exc:
        raise InvalidRequestError(
            str(exc), param=_first_path(str(exc)), code="invalid_config"
        ) from None
    changed = [k for k in RESTART_ONLY if getattr(new, k, None) != getattr(gw.routing, k, None)]
    if changed:
        raise InvalidRequestError(
            f"{changed[0]}: changes here need a restart; the routing in force is unchanged.",
            param=changed[0],
            code="restart_required",
        )
    apply_routing(gw, new, keys)
    return {"object": "tiergate.reload", "reloaded": str(gw.settings.config), "by": who}


def apply_routing(gw: Gateway, new: Routing, keys: KeyStore) -> None:
    gw.routing, gw.keys = new, keys
    assert gw.tuning is not None
    gw.tuning.store.reset_initial(new.thresholds)
    if gw.tuning.version == 0:  # no admin change in force: the file's thresholds apply
        gw.set_thresholds(new.thresholds)


@router.get("/decisions")
async def recent_decisions(
    gw: GatewayDep, who: AdminDep, limit: Annotated[int, Query(ge=1, le=1000)] = 50
) -> dict[str, Any]:
    """The newest decision records first, from the Redis stream or the JSONL file."""
    if gw.redis is None:
        return {"object": "list", "data": await asyncio.to_thread(_tail, gw, limit)}
    from redis.exceptions import RedisError  # optional dependency, present with a Redis URL

    stream = gw.routing.decisions.redis_stream
    try:
        async with asyncio.timeout(5.0):
            entries = await gw.redis.xrevrange(stream, count=limit)
    except (OSError, TimeoutError, RedisError) as exc:
        raise ThresholdsUnavailableError(f"Redis is unavailable ({type(exc).__name__}).") from None
    return {"object": "list", "data": [orjson.loads(f[b"record"]) for _, f in entries]}


def _tail(gw: Gateway, limit: int) -> list[Any]:
    try:
        with gw.settings.decision_log.open("rb") as f:
            lines = deque(f, maxlen=limit)
    except FileNotFoundError:
        return []
    return [orjson.loads(line) for line in reversed(lines) if line.strip()]


def _first_problem(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        err = exc.errors()[0]
        return f"{'.'.join(str(p) for p in err['loc']) or 'body'}: {err['msg']}"
    return "not valid JSON"


def _first_path(message: str) -> str | None:
    for line in message.splitlines()[1:]:
        path, sep, _ = line.strip().partition(": ")
        if sep:
            return path
    return None
