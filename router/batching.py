"""Records produced on the request path, written in batches by one background task.

The request path only enqueues (no I/O, never blocks, never raises); a full queue drops the
record and counts it. The decision log and the dashboard's traffic window both write this way,
so a slow disk or Redis never delays an answer.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")
QUEUE_SIZE = 10_000


class BatchWriter(Generic[T]):
    def __init__(self, write: Callable[[list[T]], Awaitable[None]], every: float) -> None:
        self.dropped = 0
        self._write = write
        self._every = every
        self._queue: asyncio.Queue[T] = asyncio.Queue(QUEUE_SIZE)
        self._task: asyncio.Task[None] | None = None
        self._writing: asyncio.Future[None] | None = None
        self._held: list[T] = []  # taken from the queue, waiting out the batch pause

    def put(self, item: T) -> None:
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull:
            self.dropped += 1

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    def _drain(self, batch: list[T]) -> list[T]:
        while not self._queue.empty():
            batch.append(self._queue.get_nowait())
        return batch

    async def _run(self) -> None:
        while True:
            self._held = [await self._queue.get()]
            await asyncio.sleep(self._every)  # let a batch gather
            batch, self._held = self._drain(self._held), []
            # Shielded: stopping the loop must not cancel a write half-way. A redis-py pipeline
            # cancelled inside `execute` could stay "cancelling" for ever, and the gateway's
            # shutdown then hung on it (seen ~1 run in 12 of a cache test's teardown).
            self._writing = asyncio.ensure_future(self._write(batch))
            await asyncio.shield(self._writing)

    async def close(self) -> None:
        """Stop the task, let a write in progress finish, and write what is still queued."""
        if self._task is not None:
            self._task.cancel()  # it waits on the queue, the pause or a shielded write
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._writing is not None:
            await self._writing  # the batch it holds is written, not lost
            self._writing = None
        pending, self._held = self._drain(self._held), []
        if pending:
            await self._write(pending)
