"""Where a supervised worker listens, and how to ask whether it is ready.

A worker's address is not configured twice: the upstream's `base_url` is where the gateway
sends requests, so it is also where the worker must listen. Workers always bind loopback, so a
`base_url` pointing elsewhere cannot describe a worker this process launches.

Readiness differs by engine: the llama-cpp-python server has no health route, but
`GET /v1/models` answers 200 only once the model is loaded; vLLM serves `GET /health` at the root.
"""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit

import aiohttp

from router.errors import ConfigError
from router.routing import Upstream

LOOPBACK_HOSTS = ("127.0.0.1", "localhost")
BIND_HOST = "127.0.0.1"


def listen_port(upstream: Upstream) -> int:
    """The port a worker for `upstream` listens on, taken from its base_url."""
    parts = urlsplit(upstream.base_url)
    if parts.hostname not in LOOPBACK_HOSTS:
        raise ConfigError(
            f"upstream {upstream.base_url!r}: a launched worker listens on {BIND_HOST}, "
            f"so its base_url host must be one of {', '.join(LOOPBACK_HOSTS)}"
        )
    if parts.port is None:
        raise ConfigError(
            f"upstream {upstream.base_url!r}: a launched worker needs an explicit port "
            "in its base_url (e.g. http://127.0.0.1:8001/v1)"
        )
    return parts.port


def ready_url(upstream: Upstream) -> str:
    """The URL that answers 200 once the worker behind `upstream` can serve requests.

    llama.cpp: `{base_url}/models` (base_url ends with /v1). vLLM: `{root}/health`.
    """
    base = upstream.base_url.rstrip("/")
    engine = upstream.worker.engine if upstream.worker is not None else upstream.kind
    if engine == "vllm":
        root = base.removesuffix("/v1")
        return f"{root}/health"
    return f"{base}/models"


async def probe(session: aiohttp.ClientSession, url: str, timeout: float = 2.0) -> bool:
    """True when `url` answers 200 within `timeout` seconds; False on any other outcome."""
    try:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=timeout)) as resp:
            await resp.read()
            return resp.status == 200
    except (aiohttp.ClientError, TimeoutError, OSError):
        return False


async def port_in_use(url: str, timeout: float = 1.0) -> bool:
    """True when something already accepts connections at `url`'s host and port."""
    parts = urlsplit(url)
    host = parts.hostname or BIND_HOST
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), timeout)
    except (OSError, TimeoutError):
        return False
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True
