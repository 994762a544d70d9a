"""Controller mode (opt-in, `controller:` in the routing file): hold a frontier share or a
USD-per-hour budget by moving the difficulty threshold.

Every `interval_seconds` it measures the recent-traffic window (router/stats.py). Inside the
dead band (share points for a share target; a fraction of the budget for a budget) it holds.
Outside, it asks the what-if projection (router/whatif.py) which threshold would have hit the
target on that same traffic, and moves toward it by at most `step`, never past
[min_threshold, max_threshold]: a proportional move, capped, so one odd minute cannot swing the
routing. A move is a new thresholds version (router/thresholds.py) made `by: "controller"`, the
same mechanism as the admin API, so it propagates to every replica, shows in the history and can
be rolled back. With Redis, only the replica holding the lock key acts (`SET NX PX`, renewed
each tick, expiring after three intervals if that replica dies).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import orjson

from router.routing import ControllerConfig, Price
from router.stats import Sample, samples_of, span_hours, summarize
from router.thresholds import ThresholdsUnavailableError
from router.whatif import threshold_for_budget, threshold_for_share

if TYPE_CHECKING:
    from router.gateway import Gateway

log = logging.getLogger("tiergate.controller")
LOCK = "tiergate:controller:lock"
STATUS = "tiergate:controller:status"
BY = "controller"
# Renew our own lock (compare-and-expire), atomically.
RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) and 1 or 0
"""


@dataclass(frozen=True, slots=True)
class Move:
    """One tick's decision: `threshold` is the value to apply (== current on a hold)."""

    at: float
    action: str  # "raise" | "lower" | "hold"
    why: str
    measured: float | None
    target: float
    current: float
    threshold: float


def decide_move(
    current: float,
    samples: list[Sample],
    config: ControllerConfig,
    prices: dict[str, Price],
    window_seconds: float,
    now: float | None = None,
) -> Move:
    """The controller's pure step (see the module docstring)."""
    now = time.time() if now is None else now
    budget = config.usd_per_hour is not None
    target = (config.usd_per_hour if budget else config.target_frontier_share) or 0.0
    if len(samples) < config.min_requests:
        why = f"{len(samples)} requests in the window, fewer than {config.min_requests}"
        return Move(now, "hold", why, None, target, current, current)
    hours = span_hours(samples, window_seconds, now)
    summary = summarize(samples, prices.get("frontier", Price()), window_seconds, now=now)
    measured = summary["cost_per_hour"] if budget else summary["frontier_share"]
    if measured is None:
        return Move(now, "hold", "no routed requests", None, target, current, current)
    band = config.dead_band * target if budget else config.dead_band
    if abs(measured - target) <= band:
        return Move(now, "hold", "within the dead band", measured, target, current, current)
    try:
        if budget:
            ideal = threshold_for_budget(samples, target, prices, hours)
        else:
            ideal = threshold_for_share(samples, target)
    except ValueError as exc:
        return Move(now, "hold", str(exc), measured, target, current, current)
    wanted = min(config.max_threshold, max(config.min_threshold, ideal))
    new = current + max(-config.step, min(config.step, wanted - current))
    new = round(min(config.max_threshold, max(config.min_threshold, new)), 4)
    if abs(new - current) < 1e-4:
        why = "at its bound" if wanted in (config.min_threshold, config.max_threshold) else "close"
        return Move(now, "hold", why, measured, target, current, current)
    action = "raise" if new > current else "lower"
    return Move(now, action, f"toward {ideal:.4f}", measured, target, current, new)


class Controller:
    """The background task applying `decide_move` every interval (one replica acts)."""

    def __init__(self, gateway: Gateway) -> None:
        self.gw = gateway
        self.last: Move | None = None
        self._id = uuid.uuid4().hex
        self._task: asyncio.Task[None] | None = None
        self._errors: tuple[type[BaseException], ...] = (OSError, TimeoutError)
        if gateway.redis is not None:
            from redis.exceptions import RedisError

            self._errors = (OSError, TimeoutError, RedisError)

    @property
    def config(self) -> ControllerConfig:
        return self.gw.routing.controller

    def start(self) -> None:
        if self.config.enabled:
            self._task = asyncio.get_running_loop().create_task(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self.config.interval_seconds)
            try:
                await self.tick()
            except ThresholdsUnavailableError as exc:
                log.warning("controller skipped a tick: %s", exc.message)

    async def _leader(self) -> bool:
        redis = self.gw.redis
        if redis is None:
            return True
        ttl = int(self.config.interval_seconds * 3000)
        try:
            async with asyncio.timeout(1.0):
                return bool(await redis.eval(RENEW, 1, LOCK, self._id, ttl))
        except self._errors as exc:
            raise ThresholdsUnavailableError(f"lock unavailable ({type(exc).__name__})") from None

    async def tick(self) -> Move | None:
        """One step; None when another replica holds the lock."""
        if not self.config.enabled or not await self._leader():
            return None
        records, _ = await self.gw.traffic.records()
        prices = {t: self.gw.price(t) for t in ("local", "frontier")}
        current = self.gw.thresholds
        move = decide_move(
            current.difficulty,
            samples_of(records),
            self.config,
            prices,
            self.gw.traffic.config.window_seconds,
        )
        if move.action != "hold":
            assert self.gw.tuning is not None
            record = await self.gw.tuning.store.change(move.threshold, current.sensitivity, BY)
            self.gw.tuning.adopt(record)
            log.info("controller moved the difficulty threshold", extra={"decision": asdict(move)})
        self.last = move
        await self._publish(move)
        return move

    async def _publish(self, move: Move) -> None:
        if self.gw.redis is None:
            return
        with contextlib.suppress(*self._errors):
            async with asyncio.timeout(1.0):
                await self.gw.redis.set(STATUS, orjson.dumps(asdict(move)), ex=86_400)

    async def status(self) -> dict[str, Any]:
        """Config and last decision (any replica's, with Redis) for the dashboard."""
        last: Any = asdict(self.last) if self.last else None
        if self.gw.redis is not None:
            with contextlib.suppress(*self._errors):
                async with asyncio.timeout(1.0):
                    raw = await self.gw.redis.get(STATUS)
                last = orjson.loads(raw) if raw else last
        return {**self.config.model_dump(), "last": last}

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
