"""/healthz (the process answers), /readyz (a healthy local replica exists), /metrics."""

from __future__ import annotations

from fastapi import APIRouter
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.responses import Response

from router.deps import GatewayDep
from router.errors import NoHealthyUpstreamError, render

router = APIRouter()


@router.get("/healthz", response_model=None)
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
async def readyz(gw: GatewayDep) -> Response | dict[str, object]:
    if not gw.local_ready():
        return render(NoHealthyUpstreamError("Not ready: no healthy local replica."))
    return {"status": "ready", "healthy_upstreams": sorted(gw.pool.healthy)}


@router.get("/metrics", response_model=None)
async def metrics(gw: GatewayDep) -> Response:
    return Response(generate_latest(gw.metrics.registry), media_type=CONTENT_TYPE_LATEST)
