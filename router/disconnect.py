"""Cancel the upstream call when the client goes away.

Starlette does not cancel a handler when its client disconnects; without this, an abandoned
request would keep a slot on the upstream until it finished. After the body has been read,
the ASGI `receive` channel only ever yields `http.disconnect`, so one watcher task awaiting it
can cancel the handler's own task; the handler then sees `ClientDisconnectedError` (status 499,
nginx's "client closed request", which no client receives). Streams need none of this:
Starlette's StreamingResponse already stops the relay, which closes the upstream response.
"""

from __future__ import annotations

import asyncio
import contextlib
from types import TracebackType

from starlette.types import Receive

from router.errors import GatewayError


class ClientDisconnectedError(GatewayError):
    status_code = 499
    type = "client_disconnected"
    code = "client_closed_request"


class DisconnectWatch:
    def __init__(self, receive: Receive) -> None:
        self._receive = receive
        self._watcher: asyncio.Task[None] | None = None
        self._task: asyncio.Task[object] | None = None
        self.disconnected = False

    async def _watch(self) -> None:
        while (await self._receive())["type"] != "http.disconnect":
            pass
        self.disconnected = True
        if self._task is not None:
            self._task.cancel()

    async def __aenter__(self) -> DisconnectWatch:
        self._task = asyncio.current_task()
        self._watcher = asyncio.get_running_loop().create_task(self._watch())
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._watcher is not None and self._task is not None
        self._watcher.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._watcher
        if not self.disconnected:
            return
        self._task.uncancel()  # the cancel was ours, not the server's
        if isinstance(exc, asyncio.CancelledError):
            raise ClientDisconnectedError("The client closed the connection.") from None
