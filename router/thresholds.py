"""Run-time thresholds: versioned, with history, shared by every replica.

The routing file's thresholds are version 0. Each change through the admin API (a new value or a
rollback) is a new version recording who made it, when, and the value it replaced; nothing is
ever overwritten, so the history is complete. With Redis, the current version is the key
`tiergate:thresholds` (JSON) and the history the list `tiergate:thresholds:history` (newest
first, last 100), both written by one Lua script so two admins cannot get the same version.
Every replica polls the key every second (`ThresholdSync`) and applies a version it has not
seen, so all converge within about a second. Without Redis, both live in this process.
A rollback restores the value in force before the current version (as a new version).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import orjson

from router.errors import GatewayError, InvalidRequestError
from router.routing import Thresholds

log = logging.getLogger("tiergate.thresholds")
KEY = "tiergate:thresholds"
HISTORY = "tiergate:thresholds:history"
HISTORY_LENGTH = 100
POLL_SECONDS = 1.0
REDIS_TIMEOUT = 1.0  # admin calls and polls are off the request path

# ARGV: the change as JSON (difficulty, sensitivity, by, at, action), the value in force (JSON)
# when nothing is stored yet. action "rollback" takes the previous value of the current version.
CHANGE = """
local cur = redis.call('GET', KEYS[1])
local rec = cjson.decode(ARGV[1])
local prev = cjson.decode(cur or ARGV[2])
if rec['action'] == 'rollback' then
  if not prev['previous'] then return false end
  rec['difficulty'] = prev['previous']['difficulty']
  rec['sensitivity'] = prev['previous']['sensitivity']
end
rec['version'] = (prev['version'] or 0) + 1
rec['previous'] = {difficulty = prev['difficulty'], sensitivity = prev['sensitivity'],
                   version = prev['version'] or 0}
local out = cjson.encode(rec)
redis.call('SET', KEYS[1], out)
redis.call('LPUSH', KEYS[2], out)
redis.call('LTRIM', KEYS[2], 0, tonumber(ARGV[3]) - 1)
return out
"""

Record = dict[str, Any]


class ThresholdsUnavailableError(GatewayError):
    """The shared store (Redis) did not answer; the thresholds in force stay as they are."""

    status_code = 503
    type = "server_error"
    code = "thresholds_unavailable"


def _change(
    current: Record, difficulty: float, sensitivity: float, by: str, action: str
) -> Record | None:
    """The next version after `current` (the pure twin of the Lua script)."""
    if action == "rollback":
        if not current.get("previous"):
            return None
        difficulty = current["previous"]["difficulty"]
        sensitivity = current["previous"]["sensitivity"]
    version = int(current.get("version") or 0)
    return {
        "difficulty": difficulty,
        "sensitivity": sensitivity,
        "by": by,
        "at": time.time(),
        "action": action,
        "version": version + 1,
        "previous": {
            "difficulty": current["difficulty"],
            "sensitivity": current["sensitivity"],
            "version": version,
        },
    }


class ThresholdStore:
    """Current version and history, in Redis (`redis` given) or in this process."""

    def __init__(self, initial: Thresholds, redis: Any = None) -> None:
        self._initial: Record = {**initial.model_dump(), "version": 0, "by": "routing file"}
        self._redis = redis
        self._script: Any = redis.register_script(CHANGE) if redis is not None else None
        self._current: Record | None = None
        self._history: list[Record] = []
        self._errors: tuple[type[BaseException], ...] = (OSError, TimeoutError)
        if redis is not None:
            from redis.exceptions import RedisError

            self._errors = (OSError, TimeoutError, RedisError)

    async def _call(self, call: Callable[[], Awaitable[Any]]) -> Any:
        try:
            async with asyncio.timeout(REDIS_TIMEOUT):
                return await call()
        except self._errors as exc:
            raise ThresholdsUnavailableError(
                f"The shared thresholds store is unavailable ({type(exc).__name__})."
            ) from None

    def reset_initial(self, initial: Thresholds) -> None:
        """A reloaded routing file's thresholds become version 0."""
        self._initial = {**initial.model_dump(), "version": 0, "by": "routing file"}

    async def current(self) -> Record:
        if self._redis is None:
            return self._current or self._initial
        raw = await self._call(lambda: self._redis.get(KEY))
        return dict(orjson.loads(raw)) if raw else self._initial

    async def history(self, limit: int) -> list[Record]:
        if self._redis is None:
            return self._history[:limit]
        return [
            orjson.loads(r)
            for r in await self._call(lambda: self._redis.lrange(HISTORY, 0, limit - 1))
        ]

    async def change(
        self, difficulty: float, sensitivity: float, by: str, action: str = "set"
    ) -> Record:
        """Store a new version (`action` "set" or "rollback"); 400 if there is nothing to roll
        back to."""
        if self._redis is None:
            record = _change(await self.current(), difficulty, sensitivity, by, action)
            if record is not None:
                self._current = record
                self._history.insert(0, record)
                del self._history[HISTORY_LENGTH:]
        else:
            change = {
                "difficulty": difficulty,
                "sensitivity": sensitivity,
                "by": by,
                "at": time.time(),
                "action": action,
            }
            args = [orjson.dumps(change), orjson.dumps(self._initial), HISTORY_LENGTH]
            raw = await self._call(lambda: self._script(keys=[KEY, HISTORY], args=args))
            record = orjson.loads(raw) if raw else None
        if record is None:
            raise InvalidRequestError(
                "Nothing to roll back: the thresholds in force are the routing file's.",
                code="nothing_to_roll_back",
            )
        return record


class ThresholdSync:
    """Applies the store's current version to this gateway, now and every POLL_SECONDS."""

    def __init__(self, store: ThresholdStore, apply: Callable[[Thresholds], None]) -> None:
        self.store = store
        self.version = 0
        self._apply = apply
        self._task: asyncio.Task[None] | None = None

    def adopt(self, record: Record) -> None:
        if int(record.get("version") or 0) == self.version:
            return
        self.version = int(record.get("version") or 0)
        self._apply(Thresholds(difficulty=record["difficulty"], sensitivity=record["sensitivity"]))
        log.info(
            "thresholds version %d in force",
            self.version,
            extra={
                "decision": {
                    "difficulty": record["difficulty"],
                    "sensitivity": record["sensitivity"],
                }
            },
        )

    async def poll(self) -> None:
        try:
            self.adopt(await self.store.current())
        except ThresholdsUnavailableError as exc:  # keep the last value, try again next tick
            log.warning("thresholds not refreshed: %s", exc.message)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            await self.poll()
            await asyncio.sleep(POLL_SECONDS)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
