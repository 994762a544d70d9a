"""The instant upstream double every overhead contender points at (direct, tiergate, LiteLLM).

Deliberately minimal: a raw ASGI app that answers any POST with a pre-encoded chat completion,
or with a pre-encoded 20-chunk SSE stream when the body asks for `"stream": true`, and any GET
with a one-model list (health probes). No parsing beyond a byte search, so the double costs as
little as possible and the same for every contender. Run in its own process:

    python -m bench.double --port 8011
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from typing import Any

import orjson

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

STREAM_CHUNKS = 20
USAGE = {
    "prompt_tokens": 24,
    "completion_tokens": STREAM_CHUNKS,
    "total_tokens": 24 + STREAM_CHUNKS,
}


def completion_body() -> bytes:
    return orjson.dumps(
        {
            "id": "chatcmpl-bench",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": "bench-model",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": "Bonjour ! " * 10},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": USAGE,
        }
    )


def stream_frames() -> list[bytes]:
    """20 content chunks (role in the first), a finish chunk with usage, then [DONE]."""
    base = {
        "id": "chatcmpl-bench",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": "bench-model",
    }
    frames = []
    for i in range(STREAM_CHUNKS):
        delta = {"content": f"tok{i} "} | ({"role": "assistant"} if i == 0 else {})
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": None}
        frames.append(b"data: " + orjson.dumps(base | {"choices": [choice]}) + b"\n\n")
    end = {"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}
    frames.append(b"data: " + orjson.dumps(base | {"choices": [end], "usage": USAGE}) + b"\n\n")
    frames.append(b"data: [DONE]\n\n")
    return frames


def build_app() -> Callable[[Scope, Receive, Send], Awaitable[None]]:
    body = completion_body()
    frames = stream_frames()
    models = orjson.dumps({"object": "list", "data": [{"id": "bench-model", "object": "model"}]})
    json_headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    sse_headers = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        if scope["method"] != "POST":
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": 200, "headers": headers})
            await send({"type": "http.response.body", "body": models})
            return
        raw = b""
        while True:
            message = await receive()
            raw += message.get("body", b"")
            if not message.get("more_body"):
                break
        if b'"stream":true' in raw.replace(b" ", b""):
            await send({"type": "http.response.start", "status": 200, "headers": sse_headers})
            for frame in frames:
                await send({"type": "http.response.body", "body": frame, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
            return
        await send({"type": "http.response.start", "status": 200, "headers": json_headers})
        await send({"type": "http.response.body", "body": body})

    return app


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Instant OpenAI-compatible upstream double.")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    import uvicorn

    uvicorn.run(
        build_app(),
        host="127.0.0.1",
        port=args.port,
        loop="uvloop",
        http="httptools",
        ws="none",
        log_level="warning",
        access_log=False,
        lifespan="on",
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
