"""Per-tenant limits: requests and tokens per minute, USD per day, a max_tokens cap.

Counters live in Redis when `TIERGATE_REDIS_URL` is set, so every replica shares them, else in
this process. Windows are fixed and aligned to the clock (UTC minute, UTC day), keyed per tenant:
`tiergate:limits:{tenant}:rpm:<minute>`, `...:tpm:<minute>`, `...:usd:<yyyymmdd>`. A fixed window
may let up to twice a minute's allowance through around a window boundary; in exchange one
admission is one Lua script (atomic across replicas) and one charge one MULTI.

- Admission (before the body is read): tokens used this minute >= tpm -> 429; requests this
  minute >= rpm -> 429 (else counted). Both carry `Retry-After` (seconds to the next minute).
- Charging (after the answer, off the request path): prompt + completion tokens and the answer's
  USD cost. Streams charge what their usage chunk said, or the relay's estimate.
- Budget (after the route is decided): spent >= downgrade_at x usd_per_day with
  `budget_downgrade` -> frontier-bound requests go local (`budget_downgrade`); spent >=
  usd_per_day without it -> frontier-bound requests get 429 until the next UTC day.
If Redis fails or is slower than its budget, limits fail open (requests flow, uncounted) and a
warning is logged; an outage must not take the gateway down with it.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from router.auth import Caller
from router.errors import InvalidRequestError, RateLimitError
from router.policy import Route, keep_local
from router.protocol import ChatCompletionRequest
from router.routing import Routing

log = logging.getLogger("tiergate.limits")
REDIS_BUDGET = 0.1  # seconds per Redis call; slower = fail open
RETRY_AFTER_FAILURE = 1.0  # seconds Redis is left alone after a failed call

ADMIT = """
local used = tonumber(redis.call('GET', KEYS[2]) or '0')
local usd = redis.call('GET', KEYS[3]) or '0'
if tonumber(ARGV[2]) > 0 and used >= tonumber(ARGV[2]) then return {2, used, usd} end
if tonumber(ARGV[1]) > 0 then
  local n = tonumber(redis.call('GET', KEYS[1]) or '0')
  if n >= tonumber(ARGV[1]) then return {1, n, usd} end
  redis.call('INCR', KEYS[1])
  redis.call('EXPIRE', KEYS[1], 120)
end
return {0, used, usd}
"""


class CountersUnavailable(Exception):
    """The shared counters could not be reached in time; the request is let through."""


@dataclass(frozen=True, slots=True)
class Window:
    """The windows a moment falls in."""

    minute: int
    day: str
    retry_after: int  # seconds to the next minute

    @classmethod
    def at(cls, now: float) -> Window:
        return cls(int(now // 60), time.strftime("%Y%m%d", time.gmtime(now)), 60 - int(now % 60))


@dataclass(frozen=True, slots=True)
class Quota:
    """What admission saw: the tenant's USD spent today (for the budget rule)."""

    spent_usd: float = 0.0


class Counters(Protocol):
    async def admit(self, tenant: str, rpm: int, tpm: int, w: Window) -> tuple[int, float]:
        """(verdict, usd spent today): verdict 0 = admitted, 1 = rpm reached, 2 = tpm reached."""
        ...

    async def charge(self, tenant: str, tokens: int, usd: float, w: Window) -> None: ...
    async def close(self) -> None: ...


class MemoryCounters:
    """One process's counters; windows past are dropped as new ones start."""

    def __init__(self) -> None:
        self._counts: dict[tuple[str, str, int | str], float] = {}

    def _prune(self, w: Window) -> None:
        stale = [k for k in self._counts if k[1] != "usd" and k[2] != w.minute]
        stale += [k for k in self._counts if k[1] == "usd" and k[2] != w.day]
        for k in stale:
            del self._counts[k]

    async def admit(self, tenant: str, rpm: int, tpm: int, w: Window) -> tuple[int, float]:
        self._prune(w)
        usd = self._counts.get((tenant, "usd", w.day), 0.0)
        if tpm and self._counts.get((tenant, "tpm", w.minute), 0) >= tpm:
            return 2, usd
        if rpm:
            key = (tenant, "rpm", w.minute)
            if self._counts.get(key, 0) >= rpm:
                return 1, usd
            self._counts[key] = self._counts.get(key, 0) + 1
        return 0, usd

    async def charge(self, tenant: str, tokens: int, usd: float, w: Window) -> None:
        self._prune(w)
        for key, amount in (((tenant, "tpm", w.minute), tokens), ((tenant, "usd", w.day), usd)):
            self._counts[key] = self._counts.get(key, 0) + amount

    async def close(self) -> None:
        self._counts.clear()


class RedisCounters:
    def __init__(self, redis: Any) -> None:
        from redis.exceptions import RedisError

        self._redis = redis
        self._admit = redis.register_script(ADMIT)
        self._errors: tuple[type[BaseException], ...] = (TimeoutError, OSError, RedisError)
        self._down_until = 0.0

    @staticmethod
    def _keys(tenant: str, w: Window) -> list[str]:
        base = "tiergate:limits:{" + tenant + "}"
        return [f"{base}:rpm:{w.minute}", f"{base}:tpm:{w.minute}", f"{base}:usd:{w.day}"]

    async def _call(self, call: Callable[[], Any]) -> Any:
        if time.monotonic() < self._down_until:
            raise CountersUnavailable("redis is backing off after a failure")
        try:
            async with asyncio.timeout(REDIS_BUDGET):
                return await call()
        except self._errors as exc:
            self._down_until = time.monotonic() + RETRY_AFTER_FAILURE
            raise CountersUnavailable(f"redis: {type(exc).__name__}") from None

    async def admit(self, tenant: str, rpm: int, tpm: int, w: Window) -> tuple[int, float]:
        keys = self._keys(tenant, w)
        verdict, _, usd = await self._call(lambda: self._admit(keys=keys, args=[rpm, tpm]))
        return int(verdict), float(usd)

    async def charge(self, tenant: str, tokens: int, usd: float, w: Window) -> None:
        _, tpm_key, usd_key = self._keys(tenant, w)

        async def run() -> None:
            async with self._redis.pipeline(transaction=True) as pipe:
                pipe.incrby(tpm_key, tokens).expire(tpm_key, 120)
                pipe.incrbyfloat(usd_key, usd).expire(usd_key, 2 * 86400)
                await pipe.execute()

        await self._call(run)

    async def close(self) -> None:
        return None  # the connection belongs to the gateway


class Limiter:
    """Admission and charging for metered tenants; see the module docstring."""

    def __init__(self, counters: Counters, clock: Callable[[], float] = time.time) -> None:
        self.counters = counters
        self._clock = clock
        self._pending: set[asyncio.Task[None]] = set()

    async def admit(self, caller: Caller, count: bool = True) -> Quota:
        """Check (and with `count`, use up) the tenant's minute; `count=False` only reads what
        was spent today, for the dry run, which must not eat the tenant's rate limit."""
        p = caller.policy
        if not caller.metered:
            return Quota()
        w = Window.at(self._clock())
        rpm, tpm = (p.rpm or 0, p.tpm or 0) if count else (0, 0)  # 0, 0: a pure read
        try:
            verdict, usd = await self.counters.admit(caller.tenant, rpm, tpm, w)
        except CountersUnavailable as exc:
            log.warning("limits not enforced for this request: %s", exc)
            return Quota()
        if verdict:
            what = f"{p.rpm} requests" if verdict == 1 else f"{p.tpm} tokens"
            raise RateLimitError(
                f"Rate limit reached for tenant '{caller.tenant}': {what} per minute. "
                f"Retry in {w.retry_after}s.",
                headers={"Retry-After": str(w.retry_after)},
            )
        return Quota(usd)

    def charge(self, tenant: str, tokens: int, usd: float) -> None:
        """Count an answer's tokens and cost, in the background (never delays the answer)."""
        if tokens <= 0 and usd <= 0:
            return
        task = asyncio.get_running_loop().create_task(self._charge(tenant, tokens, usd))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _charge(self, tenant: str, tokens: int, usd: float) -> None:
        try:
            await self.counters.charge(tenant, tokens, usd, Window.at(self._clock()))
        except CountersUnavailable as exc:
            log.warning("usage not counted for tenant %s: %s", tenant, exc)

    async def drain(self) -> None:
        """Wait for the charges under way."""
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    async def close(self) -> None:
        await self.drain()
        await self.counters.close()


def cap_max_tokens(body: ChatCompletionRequest, payload: dict[str, Any], caller: Caller) -> None:
    """Enforce the tenant's max_tokens cap: a larger request is refused (400), a request that
    sets none gets the cap (so an upstream never generates without bound for a capped tenant)."""
    cap = caller.policy.max_tokens
    if cap is None:
        return
    for name in ("max_tokens", "max_completion_tokens"):
        asked = getattr(body, name)
        if asked is not None and asked > cap:
            raise InvalidRequestError(
                f"{name} {asked} is over this key's limit of {cap}.",
                param=name,
                code="max_tokens_exceeded",
            )
    if body.max_tokens is None and body.max_completion_tokens is None:
        payload["max_tokens"] = cap


def within_budget(route: Route, caller: Caller, quota: Quota, routing: Routing) -> Route:
    """Apply the tenant's USD-per-day budget to a decided route (see the module docstring)."""
    p = caller.policy
    if p.usd_per_day is None or not any(t.tier == "frontier" for t in route.targets):
        return route
    spent = quota.spent_usd
    downgrade = p.budget_downgrade and spent >= p.downgrade_at * p.usd_per_day
    if not downgrade and spent < p.usd_per_day:
        return route
    local = keep_local(route, routing.tiers["local"].model, "budget_downgrade")
    if local is not None and (downgrade or route.tier == "local"):
        return local
    if spent < p.usd_per_day:
        return route
    retry = math.ceil(86400 - time.time() % 86400)
    raise RateLimitError(
        f"Tenant '{caller.tenant}' has spent its frontier budget of "
        f"${p.usd_per_day:g} for today (UTC).",
        code="budget_exceeded",
        headers={"Retry-After": str(retry)},
    )
