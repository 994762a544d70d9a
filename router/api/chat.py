"""POST /v1/chat/completions — one request's whole path, top to bottom (DESIGN.md, One request).

1 authenticate   bearer key -> Caller; tenant's rpm / tpm admission   401 / 429
2 validate       size limit, JSON, protocol model, message count,      400 / 413
                 the tenant's max_tokens cap
3 classify       classifier.score(messages) -> Scores                  (inline: ~50 µs, less
                                                                        than a threadpool hop)
4 decide         policy.decide(...) -> Route (pure), then the tenant's  403 / 404 / 503 / 429
                 USD budget (frontier -> local `budget_downgrade`)
5 cache          (the cache issue adds the lookup here)
6 call           first healthy target, fallback before the first byte  429 / 502 / 504
7 account        metrics + decision record; headers on every answer; tokens and USD
                 charged to the tenant's limits
"""

from __future__ import annotations

import logging
import time
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response, StreamingResponse
from starlette.types import Receive, Scope, Send

from classifier.scores import Scores
from router.accounting import account_answer, account_error, account_overhead, record_failure
from router.auth import Caller
from router.cache import Entry, Lookup, wants
from router.cache_key import cache_key
from router.disconnect import DisconnectWatch
from router.errors import UNEXPECTED, GatewayError, RequestTooLargeError, render
from router.gateway import Gateway
from router.limits import Quota, cap_max_tokens, within_budget
from router.logs import current_request_id
from router.metrics import Usage
from router.policy import Route, decide
from router.protocol import ChatCompletionRequest, parse_chat_request
from router.streaming import ReplayStream, StreamRelay, usage_of
from router.trace import Trace, request_id
from workers.fallback import Attempt, Served, call_with_fallback

PATH = "/v1/chat/completions"
log = logging.getLogger("tiergate")
router = APIRouter()

REQUEST_SCHEMA = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": ChatCompletionRequest.model_json_schema(
                    ref_template="#/components/schemas/{model}"
                )
            }
        },
    }
}


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it passes `limit` bytes (never read whole first)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise RequestTooLargeError(f"Request body is over the {limit}-byte limit.")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise RequestTooLargeError(f"Request body is over the {limit}-byte limit.")
        chunks.append(chunk)
    return b"".join(chunks)


def plan(
    gw: Gateway,
    caller: Caller,
    quota: Quota,
    body: ChatCompletionRequest,
    payload: dict[str, Any],
) -> tuple[Scores, Route]:
    """Steps 3 and 4: classify, decide, apply the tenant's caps and budget. Shared with the dry
    run (router/api/route.py), so /v1/route answers exactly what this call does."""
    cap_max_tokens(body, payload, caller)
    scores = gw.classifier.score(payload["messages"])
    route = decide(
        scores,
        body.model,
        caller,
        gw.routing,
        gw.thresholds,
        gw.pool.healthy,
        gw.pool.saturated,
    )
    return scores, within_budget(route, caller, quota, gw.routing)


async def create_chat_completion(request: Request) -> Response:
    trace = Trace(request_id(request.headers.get("x-request-id")))
    current_request_id.set(trace.request_id)  # every log line of this request's task carries it
    gw: Gateway = request.app.state.gateway  # not a Depends: ~10 % of this route's CPU (bench/)
    lookup = Lookup("bypass")
    try:
        caller = gw.keys.authenticate(request.headers.get("authorization"))  # 1
        trace.tenant = caller.tenant
        quota = await gw.limits.admit(caller)
        raw = await read_body(request, gw.routing.limits.max_body_bytes)  # 2
        body, payload = parse_chat_request(raw, gw.routing.limits.max_messages)
        if gw.routing.decisions.capture_prompts:
            trace.messages = payload["messages"]
        trace.scores, route = plan(gw, caller, quota, body, payload)  # 3, 4
        trace.routed(route)
        read, write = wants(payload, request.headers.get("cache-control"), gw.routing.cache)
        key = cache_key(caller.tenant, route.tier, route.model, payload)  # 5
        lookup = await gw.cache.lookup(key, route.tier, read, write)
        trace.cache = lookup.result
        if lookup.entry is not None:
            return replay(gw, trace, lookup.entry, body.include_usage, len(raw))
        async with DisconnectWatch(request.receive):  # 6
            served = await call_with_fallback(
                route.targets,
                gw.pool,
                payload,
                bool(body.stream),
                on_failure=lambda attempt: record_failure(gw, attempt),
                timeout=gw.routing.limits.request_timeout,
            )
    except GatewayError as exc:
        gw.cache.fill(lookup, None)
        account_error(gw, trace, exc)
        return render(exc, trace.headers())
    trace.served_by(served.target.tier, served.target.model, bool(served.attempts))
    if served.stream is not None:
        return stream_answer(gw, trace, served, lookup, body.include_usage, len(raw))
    return json_answer(gw, trace, served, lookup)  # 7


async def endpoint(scope: Scope, receive: Receive, send: Send) -> None:
    """The route's ASGI entry. `GatewayApp` (router/app.py) calls it ahead of FastAPI's
    middleware stack, so it does here the one thing that stack would add: an error escaping the
    handler becomes a logged 500 in OpenAI form, with the request id."""
    try:
        response = await create_chat_completion(Request(scope, receive))
    except Exception:
        log.exception("unexpected error on POST %s", PATH)
        rid = current_request_id.get() or request_id(None)
        response = render(GatewayError(UNEXPECTED), {"x-request-id": rid})
    await response(scope, receive, send)


# The APIRoute gives the endpoint its OpenAPI entry; `GatewayApp` serves the path before
# FastAPI's router is reached.
router.add_api_route(
    PATH,
    create_chat_completion,
    methods=["POST"],
    response_model=None,
    openapi_extra=REQUEST_SCHEMA,
)


def json_answer(gw: Gateway, trace: Trace, served: Served, lookup: Lookup) -> Response:
    assert served.completion is not None
    account_overhead(gw, trace, served.upstream_seconds, time.perf_counter())
    usage = usage_of(served.completion.body) or Usage()
    gw.cache.fill(lookup, Entry("json", trace.tier, trace.model, usage, body=served.completion.raw))
    cost = account_answer(gw, trace, served.attempts, usage)
    gw.charge(trace.tenant, usage, cost)
    return Response(
        served.completion.raw, media_type="application/json", headers=trace.headers(cost)
    )


def replay(
    gw: Gateway, trace: Trace, entry: Entry, include_usage: bool, prompt_bytes: int
) -> Response:
    """A cache hit: the stored answer, as JSON or as the stored stream, chunk for chunk."""
    trace.tier, trace.model = entry.tier, entry.model
    if entry.kind == "sse":
        return stream_response(
            trace,
            StreamRelay(
                ReplayStream(entry.chunks),
                include_usage,
                prompt_bytes,
                lambda relay: end_stream(gw, trace, relay, [], 0.0, cached=True),
            ),
        )
    account_overhead(gw, trace, 0.0, time.perf_counter())
    cost = account_answer(gw, trace, [], entry.usage, cached=True)
    return Response(entry.body, media_type="application/json", headers=trace.headers(cost))


def stream_answer(
    gw: Gateway,
    trace: Trace,
    served: Served,
    lookup: Lookup,
    include_usage: bool,
    prompt_bytes: int,
) -> Response:
    assert served.stream is not None

    def on_end(relay: StreamRelay) -> str | None:
        stored = None
        if relay.complete and relay.failure is None and relay.chunks is not None:
            stored = Entry(
                "sse", trace.tier, trace.model, relay.usage or Usage(), chunks=tuple(relay.chunks)
            )
        gw.cache.fill(lookup, stored)  # an interrupted stream is never stored
        if relay.failure is not None:
            record_failure(gw, Attempt(served.target, relay.failure.kind, relay.failure.detail))
        return end_stream(gw, trace, relay, served.attempts, served.upstream_seconds)

    relay = StreamRelay(
        served.stream,
        include_usage,
        prompt_bytes,
        on_end,
        collect=lookup.write and lookup.result == "miss",
    )
    return stream_response(trace, relay)


def end_stream(
    gw: Gateway,
    trace: Trace,
    relay: StreamRelay,
    attempts: list[Attempt],
    upstream_seconds: float,
    cached: bool = False,
) -> str | None:
    """Account a stream once it ended; returns the SSE comment carrying its cost."""
    if relay.first_chunk_at is not None:
        trace.first_token = relay.first_chunk_at - trace.started
        gw.metrics.ttft.labels(trace.tier).observe(trace.first_token)
        account_overhead(gw, trace, upstream_seconds, relay.first_chunk_at)
    status = 200 if relay.complete else 502
    cost = account_answer(gw, trace, attempts, relay.usage or Usage(), status, cached)
    if not cached:
        gw.charge(trace.tenant, relay.usage or Usage(), cost)
    return f": tiergate-cost-usd={cost:.8f}\n\n" if relay.complete else None


def stream_response(trace: Trace, relay: StreamRelay) -> Response:
    headers = trace.headers()
    headers["x-tiergate-cost-usd"] = "stream-end"  # known only at the end: see the SSE comment
    headers["cache-control"] = "no-cache"
    headers["x-accel-buffering"] = "no"
    return StreamingResponse(relay, media_type="text/event-stream", headers=headers)
