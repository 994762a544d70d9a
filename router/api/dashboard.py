"""`GET /dashboard`: the operator's page, and the admin endpoints behind it.

The page itself (`/dashboard` and its static files, shipped in the wheel under
router/dashboard/) is a static shell with no data in it: it asks for the admin key once, keeps it
in sessionStorage and sends it as `Authorization: Bearer` on every call. Everything it shows or
changes comes from endpoints behind the admin key: `/admin/dashboard/data` (live panels),
`/admin/dashboard/whatif` (projection) and the admin API's `/admin/thresholds` (apply, roll
back). The shell is sent with a strict Content-Security-Policy: no script, style or connection
leaves the gateway's own origin, so the page works offline and cannot leak the key elsewhere.
"""

from __future__ import annotations

import json
import time
from importlib import resources
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import Response

from router.api.admin import AdminDep
from router.deps import GatewayDep
from router.errors import InvalidRequestError, NotFoundError
from router.gateway import Gateway
from router.routing import Price
from router.stats import Sample, samples_of, span_hours, summarize
from router.whatif import Reliability, project, threshold_for_budget, threshold_for_share

router = APIRouter()

ASSETS = {
    "app.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
    "vendor/chart.umd.js": "text/javascript; charset=utf-8",
}
HEADERS = {
    "content-security-policy": "default-src 'none'; script-src 'self'; connect-src 'self'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'; "
    "base-uri 'none'; form-action 'none'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-cache",
}
HISTORY = 20


def _asset(name: str) -> bytes:
    return resources.files("router").joinpath("dashboard", name).read_bytes()


@router.get("/dashboard", include_in_schema=False)
async def dashboard_page() -> Response:
    return Response(_asset("index.html"), media_type="text/html; charset=utf-8", headers=HEADERS)


@router.get("/dashboard/{name:path}", include_in_schema=False)
async def dashboard_asset(name: str) -> Response:
    if name not in ASSETS:  # a fixed list: no path ever reaches the file system unchecked
        raise NotFoundError(f"Unknown path: GET /dashboard/{name}")
    return Response(_asset(name), media_type=ASSETS[name], headers=HEADERS)


def reliability(gw: Gateway) -> Reliability:
    """The model card's reliability bins, read each time (a few kB; a new artifact is seen)."""
    from classifier import DEFAULT_ARTIFACT

    card = DEFAULT_ARTIFACT.with_name(DEFAULT_ARTIFACT.stem + ".card.json")
    try:
        return Reliability.from_card(json.loads(card.read_text(encoding="utf-8")))
    except (OSError, ValueError, AttributeError):
        return Reliability()


async def _window(gw: Gateway) -> tuple[list[Sample], bool, float, dict[str, Price]]:
    records, shared = await gw.traffic.records()
    samples = samples_of(records)
    hours = span_hours(samples, gw.traffic.config.window_seconds)
    return samples, shared, hours, {t: gw.price(t) for t in ("local", "frontier")}


@router.get("/admin/dashboard/data")
async def dashboard_data(gw: GatewayDep, who: AdminDep) -> dict[str, Any]:
    """Every live panel, aggregated over the recent-traffic window of every replica."""
    assert gw.tuning is not None
    samples, shared, hours, prices = await _window(gw)
    config = gw.traffic.config
    quality = reliability(gw)
    current = gw.thresholds
    controller = await gw.controller.status() if gw.controller is not None else None
    return {
        "object": "tiergate.dashboard",
        "now": time.time(),
        "window_seconds": config.window_seconds,
        "shared": shared,
        "summary": summarize(samples, prices["frontier"], config.window_seconds, config.bins),
        "thresholds": {**await gw.tuning.store.current(), "in_force": current.model_dump()},
        "history": await gw.tuning.store.history(HISTORY),
        "projection": project(samples, current.difficulty, prices, hours, quality),
        "quality_source": quality.source,
        "prices": {t: p.model_dump() for t, p in prices.items()},
        "controller": controller or {"enabled": False, "last": None},
    }


@router.get("/admin/dashboard/whatif")
async def dashboard_whatif(
    gw: GatewayDep,
    who: AdminDep,
    difficulty: Annotated[float | None, Query(ge=0, le=1)] = None,
    frontier_share: Annotated[float | None, Query(ge=0, le=1)] = None,
    usd_per_hour: Annotated[float | None, Query(ge=0)] = None,
) -> dict[str, Any]:
    """The recent traffic under another difficulty threshold: given directly, or derived from
    a target frontier share or USD-per-hour budget."""
    given = [v for v in (difficulty, frontier_share, usd_per_hour) if v is not None]
    if len(given) != 1:
        raise InvalidRequestError(
            "Give exactly one of difficulty, frontier_share, usd_per_hour.", code="one_target"
        )
    samples, _, hours, prices = await _window(gw)
    try:
        if frontier_share is not None:
            difficulty = threshold_for_share(samples, frontier_share)
        elif usd_per_hour is not None:
            difficulty = threshold_for_budget(samples, usd_per_hour, prices, hours)
    except ValueError as exc:
        raise InvalidRequestError(str(exc), code="no_traffic") from None
    assert difficulty is not None
    quality = reliability(gw)
    return {
        "object": "tiergate.whatif",
        "projection": project(samples, min(1.0, difficulty), prices, hours, quality),
        "current": project(samples, gw.thresholds.difficulty, prices, hours, quality),
        "quality_source": quality.source,
    }
