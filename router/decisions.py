"""The decision record: one JSON object per request, appended off the request path.

Sinks: a Redis stream capped at `redis_maxlen` entries (XADD MAXLEN ~) when Redis is
configured — every replica appends to the same stream — else a rotating JSONL file. Records
never hold prompt text unless `decisions.capture_prompts` is on; then they carry the request's
`messages`, and `tiergate distill` can read the JSONL back as a prompt source.
Records are queued in memory and written in batches by one background task, so a slow disk or
Redis never delays an answer; if the queue is full, records are dropped and counted.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path
from typing import Any

import orjson

from router.batching import BatchWriter
from router.routing import DecisionsConfig

log = logging.getLogger("tiergate.decisions")
FLUSH_SECONDS = 0.2


class DecisionLog:
    def __init__(self, config: DecisionsConfig, redis_url: str | None, path: Path) -> None:
        self.config = config
        self._batches: BatchWriter[dict[str, Any]] = BatchWriter(self._write, FLUSH_SECONDS)
        self._redis: Any = None
        self._errors: tuple[type[BaseException], ...] = (OSError, TimeoutError)
        self._file: logging.handlers.RotatingFileHandler | None = None
        if not config.enabled:
            return
        if redis_url:
            from redis.asyncio import Redis
            from redis.exceptions import RedisError

            self._redis = Redis.from_url(redis_url, socket_timeout=1.0)
            self._errors = (OSError, TimeoutError, RedisError)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._file = logging.handlers.RotatingFileHandler(
                path,
                maxBytes=config.file_max_bytes,
                backupCount=config.file_backups,
                encoding="utf-8",
                delay=True,
            )
            self._file.setFormatter(logging.Formatter("%(message)s"))

    @property
    def dropped(self) -> int:
        return self._batches.dropped

    def start(self) -> None:
        if self.config.enabled:
            self._batches.start()

    def append(self, record: dict[str, Any]) -> None:
        if self.config.enabled:
            self._batches.put(record)

    async def _write(self, batch: list[dict[str, Any]]) -> None:
        lines = [orjson.dumps(r) for r in batch]
        if self._file is not None:  # the whole batch as one write: one rollover check, one flush
            text = b"\n".join(lines).decode()
            self._file.emit(logging.makeLogRecord({"msg": text, "args": None}))
            return
        try:
            async with self._redis.pipeline(transaction=False) as pipe:
                for line in lines:
                    pipe.xadd(
                        self.config.redis_stream,
                        {"record": line},
                        maxlen=self.config.redis_maxlen,
                        approximate=True,
                    )
                await pipe.execute()
        except self._errors as exc:  # the records are lost; the gateway goes on
            self._batches.dropped += len(batch)
            log.warning("decision records dropped: redis unavailable (%s)", type(exc).__name__)

    async def close(self) -> None:
        await self._batches.close()
        if self._file is not None:
            self._file.close()
        if self._redis is not None:
            await self._redis.aclose()
