"""POST /v1/route: the routing decision for a chat request, without calling any model.

Same authentication, validation, classifier and policy as /v1/chat/completions, so a dry run
answers exactly what the real call would do (including its 403 / 404 / 503).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from router.api.chat import REQUEST_SCHEMA, plan, read_body
from router.deps import GatewayDep
from router.errors import GatewayError, render
from router.protocol import parse_chat_request
from router.trace import Trace, request_id

router = APIRouter()


@router.post("/v1/route", response_model=None, openapi_extra=REQUEST_SCHEMA)
async def dry_run(request: Request, gw: GatewayDep) -> Response | dict[str, object]:
    trace = Trace(request_id(request.headers.get("x-request-id")))
    try:
        caller = gw.keys.authenticate(request.headers.get("authorization"))
        quota = await gw.limits.admit(caller, count=False)  # a dry run uses no rate limit
        raw = await read_body(request, gw.routing.limits.max_body_bytes)
        body, payload = parse_chat_request(raw, gw.routing.limits.max_messages)
        scores, route = plan(gw, caller, quota, body, payload)
        trace.scores = scores
    except GatewayError as exc:
        return render(exc, trace.headers())
    return {
        "object": "tiergate.route",
        "tier": route.tier,
        "model": route.model,
        "reason": route.reason,
        "sensitive": route.sensitive,
        "targets": [
            {"upstream": t.upstream, "tier": t.tier, "model": t.model} for t in route.targets
        ],
        "scores": {
            "difficulty": scores.difficulty,
            "sensitivity": scores.sensitivity,
            "entities": [
                {"type": e.type, "start": e.start, "end": e.end, "message": e.message}
                for e in scores.entities
            ],
        },
        "thresholds": gw.thresholds.model_dump(),
    }
