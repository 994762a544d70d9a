"""One upstream HTTP/1.1 connection (`workers/http1.py` pools them): an asyncio protocol whose
answers httptools parses, one exchange at a time, with read back-pressure past 256 KiB of
buffered body. Its errors are the client's: `ConnectFailed` and `ResponseBroken`.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import cast

import httptools

_PAUSE_AT = 256 * 1024  # buffered body bytes at which reading pauses until the reader catches up


class ConnectFailed(ConnectionError):
    """No connection to the server could be opened; nothing was sent."""


class ResponseBroken(ConnectionError):
    """The connection broke before the answer was complete, or the answer was not HTTP."""


class Connection(asyncio.Protocol):
    """One TCP (or TLS) connection; one exchange at a time."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        self._parser = httptools.HttpResponseParser(self)
        self._reset()

    def _reset(self) -> None:
        loop = asyncio.get_running_loop()
        self.status = 0
        self.headers: dict[str, str] = {}
        self.head: asyncio.Future[None] = loop.create_future()
        self.chunks: deque[bytes] = deque()
        self.buffered = 0
        self.done = False
        self.keep_alive = False
        self.error: ConnectionError | None = None
        self.received = False  # any byte of the answer
        self._waiter: asyncio.Future[None] | None = None
        self._paused = False
        self._eof_delimited = False

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        self.received = True
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(ResponseBroken(f"invalid HTTP answer: {exc}"))
            self.abort()

    def eof_received(self) -> bool | None:
        self.closed = True  # the server will send no more: never reuse this connection
        return None  # let the transport close; connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._eof_delimited and self.head.done() and not self.done:
            self.on_message_complete()  # the end of the connection ends this body
            return
        if not self.done:
            self._fail(ResponseBroken(str(exc) if exc else "server closed the connection"))

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers[name.decode("latin-1").lower()] = value.decode("latin-1")

    def on_headers_complete(self) -> None:
        self.status = self._parser.get_status_code()
        self._eof_delimited = (
            "content-length" not in self.headers
            and "transfer-encoding" not in self.headers
            and self.status not in (204, 304)
        )
        if not self.head.done():
            self.head.set_result(None)

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)
        self.buffered += len(body)
        if self.buffered > _PAUSE_AT and not self._paused and self.transport is not None:
            self._paused = True
            self.transport.pause_reading()
        self._wake()

    def on_message_complete(self) -> None:
        self.done = True
        self.keep_alive = self._parser.should_keep_alive() and not self._eof_delimited
        self._wake()

    # the exchange
    def start(self, request: bytes) -> None:
        self._reset()
        assert self.transport is not None
        if self.closed or self.transport.is_closing():
            self._fail(ResponseBroken("server closed the connection"))
            return
        self.transport.write(request)

    def _fail(self, error: ConnectionError) -> None:
        self.error = error
        if not self.head.done():
            self.head.set_exception(error)
        self._wake()

    def _wake(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    async def next_chunk(self) -> bytes | None:
        """The next piece of body; None once the body is complete."""
        while not self.chunks:
            if self.done:
                return None
            if self.error is not None:
                raise self.error
            self._waiter = asyncio.get_running_loop().create_future()
            await self._waiter
            self._waiter = None
        chunk = self.chunks.popleft()
        self.buffered -= len(chunk)
        if self._paused and self.buffered < _PAUSE_AT // 4 and self.transport is not None:
            self._paused = False
            self.transport.resume_reading()
        return chunk

    def abort(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.abort()
