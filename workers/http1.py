"""A lean HTTP/1.1 client for upstream calls: pooled keep-alive connections on asyncio protocols,
answers parsed by httptools (the C parser uvicorn runs on, already a dependency).

Why not aiohttp: its client was the largest single item in the gateway's profile, ~21 % of
the CPU per chat request at concurrency 16, and this client does the same call for ~80 µs
less per request (py-spy and CPU-per-request in `bench overhead`; docs/benchmarks.md). It does
only what an upstream call needs:
- one pool per upstream, at most `limit` connections (callers queue for a slot), idle ones
  reused and dropped once the server closes them or after `keepalive` seconds;
- bodies framed by Content-Length, chunked encoding or the end of the connection; read whole
  (`Response.read`) or line by line as they arrive (`Response.lines`, for SSE), with read
  back-pressure past 256 KiB buffered;
- TLS with the system's trust store for https upstreams;
- one retry on a fresh connection when a reused one turns out to have been closed by the server
  before any byte of the answer (a keep-alive race, not a failed request).
Not done, not needed by the APIs it calls: redirects, cookies, proxies, compression (no
Accept-Encoding is sent, so servers answer identity), HTTP/2, 1xx answers.

Errors are `ConnectionError`s: `ConnectFailed` (no connection could be opened, nothing was
sent) and `ResponseBroken` (the connection broke or the answer was not valid HTTP). One
connection, the protocol and its parser, is `workers/http1_connection.py`; this module is the
pool and the answer callers read.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator, Mapping
from urllib.parse import urlsplit

from workers.http1_connection import ConnectFailed, Connection, ResponseBroken

__all__ = ["ConnectFailed", "Pool", "Response", "ResponseBroken"]


class Response:
    """An answer whose status line and headers have arrived; the body is read from it. Release
    it (`read` does, and `async with` does) so its connection serves the next call."""

    def __init__(self, pool: Pool, connection: Connection) -> None:
        self._pool = pool
        self._connection: Connection | None = connection
        self.status = connection.status
        self.headers = connection.headers  # names lower-cased

    @property
    def complete(self) -> bool:
        """The whole body has arrived (reading it will not wait)."""
        return self._connection is not None and self._connection.done

    async def __aenter__(self) -> Response:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        self.close()

    async def read(self) -> bytes:
        """The whole body (then the connection goes back to the pool)."""
        parts = []
        while (chunk := await self._require().next_chunk()) is not None:
            parts.append(chunk)
        self.close()
        return b"".join(parts)

    async def lines(self) -> AsyncIterator[bytes]:
        """The body line by line as it arrives, each with its b"\\n" (the last maybe without)."""
        pending = b""
        while (chunk := await self._require().next_chunk()) is not None:
            pending += chunk
            start = 0
            while (end := pending.find(b"\n", start)) != -1:
                yield pending[start : end + 1]
                start = end + 1
            pending = pending[start:]
        if pending:
            yield pending

    def close(self) -> None:
        """Done with this answer: a complete one returns its connection to the pool, an
        unfinished one closes it (idempotent)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            self._pool.release(connection)

    def _require(self) -> Connection:
        if self._connection is None:
            raise ResponseBroken("response already closed")
        return self._connection


class Pool:
    """Keep-alive connections to the origin (scheme, host, port) of `base_url`, at most `limit`
    at once."""

    def __init__(
        self, base_url: str, limit: int, connect_timeout: float, keepalive: float = 30.0
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"not an http(s) URL: {base_url!r}")
        self.host = parts.hostname
        tls = parts.scheme == "https"
        self.port = parts.port or (443 if tls else 80)
        default_port = self.port == (443 if tls else 80)
        self._host_header = self.host if default_port else f"{self.host}:{self.port}"
        self._ssl = ssl.create_default_context() if tls else None
        self._connect_timeout = connect_timeout
        self._keepalive = keepalive
        self._slots = asyncio.Semaphore(limit)
        self._idle: list[Connection] = []
        self._open: set[Connection] = set()

    def encode(self, method: str, path: str, headers: Mapping[str, str], body: bytes) -> bytes:
        """The request bytes: request line, Host, the caller's headers, Content-Length, body."""
        lines = [f"{method} {path} HTTP/1.1", f"Host: {self._host_header}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        if body or method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body

    async def request(
        self, method: str, path: str, headers: Mapping[str, str], body: bytes = b""
    ) -> Response:
        """Send a request for `path` (from the root: the base URL's path is not prepended) and
        wait for the answer's status line and headers. Raises `ConnectFailed` or
        `ResponseBroken`."""
        payload = self.encode(method, path, headers, body)  # before taking a slot: may raise
        await self._slots.acquire()
        try:
            connection = self._reusable()
            while True:
                fresh = connection is None
                if connection is None:
                    connection = await self._connect()
                connection.start(payload)
                try:
                    await connection.head
                except ResponseBroken:
                    if fresh or connection.received:
                        raise
                    self._discard(connection)  # closed by the server while idle: once more
                    connection = None
                    continue
                return Response(self, connection)
        except BaseException:
            if connection is not None:
                self._discard(connection)
            self._slots.release()
            raise

    def _reusable(self) -> Connection | None:
        now = time.monotonic()
        while self._idle:
            connection = self._idle.pop()
            if not connection.closed and now - connection.idle_since < self._keepalive:
                return connection
            self._discard(connection)
        return None

    async def _connect(self) -> Connection:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self._connect_timeout):
                _, connection = await loop.create_connection(
                    Connection,
                    self.host,
                    self.port,
                    ssl=self._ssl,
                    server_hostname=self.host if self._ssl else None,
                )
        except TimeoutError:
            raise ConnectFailed(f"connect to {self.host}:{self.port} timed out") from None
        except OSError as exc:
            raise ConnectFailed(f"connect to {self.host}:{self.port}: {exc}") from None
        self._open.add(connection)
        return connection

    def release(self, connection: Connection) -> None:
        if connection.done and connection.keep_alive and not connection.closed:
            connection.idle_since = time.monotonic()
            self._idle.append(connection)
        else:
            self._discard(connection)
        self._slots.release()

    def _discard(self, connection: Connection) -> None:
        connection.abort()
        self._open.discard(connection)

    async def close(self) -> None:
        for connection in list(self._open):
            self._discard(connection)
        self._idle.clear()
        await asyncio.sleep(0)  # let the transports finish closing
