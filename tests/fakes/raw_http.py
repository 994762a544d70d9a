"""A raw HTTP/1.1 server on 127.0.0.1 for client tests: each connection is handed to a test's
coroutine, which reads requests and writes answers byte for byte (framings, delays, broken
connections, garbage), while the server counts connections and requests."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter, "Server"], Awaitable[None]]


class Server:
    def __init__(self) -> None:
        self.connections = 0
        self.open = 0
        self.most_open = 0
        self.requests: list[bytes] = []


@asynccontextmanager
async def serve(
    handler: Handler, tls: ssl.SSLContext | None = None
) -> AsyncIterator[tuple[str, Server]]:
    """A TCP server calling `handler(reader, writer, stats)` per connection; `stats` counts
    connections (here) and requests (`read_request`). With `tls`, the URL is https on
    `localhost` (the name a test certificate carries)."""
    stats = Server()
    tasks: set[asyncio.Task[None]] = set()

    async def on_connect(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        tasks.add(task)
        stats.connections += 1
        stats.open += 1
        stats.most_open = max(stats.most_open, stats.open)
        try:
            await handler(reader, writer, stats)
        except (asyncio.CancelledError, ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            stats.open -= 1
            writer.close()

    server = await asyncio.start_server(on_connect, "127.0.0.1", 0, ssl=tls)
    port = server.sockets[0].getsockname()[1]
    try:
        yield (f"https://localhost:{port}/v1" if tls else f"http://127.0.0.1:{port}/v1"), stats
    finally:
        server.close()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()


async def read_request(reader: asyncio.StreamReader, stats: Server) -> bytes:
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            length = int(line.split(b":")[1])
    body = await reader.readexactly(length)
    stats.requests.append(head + body)
    return body


def answer(body: bytes, extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n" % (len(body), extra) + body


def once(raw: bytes, linger: float = 0.0) -> Handler:
    """Read one request, write `raw` (maybe nothing), keep the connection `linger` seconds, and
    close it."""

    async def handler(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter, stats: Server
    ) -> None:
        await read_request(reader, stats)
        writer.write(raw)
        await writer.drain()
        await asyncio.sleep(linger)

    return handler
