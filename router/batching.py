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
            first = await self._queue.get()
            await asyncio.sleep(self._every)  # let a batch gather
            await self._write(self._drain([first]))

    async def close(self) -> None:
        """Stop the task and write what is still queued."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if pending := self._drain([]):
            await self._write(pending)
