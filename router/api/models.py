"""GET /v1/models: `auto`, the tier names and the configured models, in OpenAI's list shape."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from router.deps import GatewayDep
from router.errors import GatewayError, render

router = APIRouter()


def model_card(model_id: str, created: int, owner: str) -> dict[str, object]:
    return {"id": model_id, "object": "model", "created": created, "owned_by": owner}


@router.get("/v1/models", response_model=None)
async def list_models(request: Request, gw: GatewayDep) -> Response | dict[str, object]:
    try:
        gw.keys.authenticate(request.headers.get("authorization"))
    except GatewayError as exc:
        return render(exc)
    created = 0
    data = [model_card("auto", created, "tiergate")]
    for tier_name, tier in gw.routing.tiers.items():
        data.append(model_card(tier_name, created, "tiergate"))
        for name in (tier.model, *tier.aliases):
            data.append(model_card(name, created, f"tiergate-{tier_name}"))
    if "frontier" not in gw.routing.tiers:  # `frontier` still routes (locally, unconfigured)
        data.append(model_card("frontier", created, "tiergate"))
    return {"object": "list", "data": data}
