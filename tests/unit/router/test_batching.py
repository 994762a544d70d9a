"""BatchWriter: records are written in batches off the request path, and closing it never
cancels a write half-way nor loses what is queued."""

from __future__ import annotations

import asyncio

from router.batching import BatchWriter


async def test_close_lets_a_write_in_progress_finish_then_writes_the_rest() -> None:
    started, release = asyncio.Event(), asyncio.Event()
    written: list[list[int]] = []
    cancelled = False

    async def write(batch: list[int]) -> None:
        nonlocal cancelled
        started.set()
        try:
            await release.wait()  # a slow sink (Redis, a disk)
        except asyncio.CancelledError:
            cancelled = True
            raise
        written.append(batch)

    writer: BatchWriter[int] = BatchWriter(write, every=0.0)
    writer.start()
    writer.put(1)
    await asyncio.wait_for(started.wait(), 1.0)
    writer.put(2)  # queued while the first batch is being written
    closing = asyncio.ensure_future(writer.close())
    await asyncio.sleep(0.05)
    assert not closing.done()  # it waits for the write instead of cancelling it
    release.set()
    await asyncio.wait_for(closing, 1.0)
    assert not cancelled
    assert written == [[1], [2]]


async def test_close_during_the_batch_pause_writes_what_the_task_held() -> None:
    writes: list[list[str]] = []

    async def write(batch: list[str]) -> None:
        writes.append(batch)

    writer: BatchWriter[str] = BatchWriter(write, every=10.0)
    writer.start()
    writer.put("a")
    await asyncio.sleep(0.01)  # the task has taken "a" and waits out the batch pause
    writer.put("b")
    await asyncio.wait_for(writer.close(), 1.0)
    assert writes == [["a", "b"]]  # nothing taken from the queue is lost
