"""Everything one gateway process holds between requests, built in the app's lifespan.

There are no module globals: handlers reach this object through `deps.GatewayDep`. What can
change at run time (thresholds) is an attribute here, replaced as a whole, never mutated.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from classifier import Classifier
from router.auth import KeyStore, admin_digest, check_exposure
from router.cache import ResponseCache
from router.cache_store import MemoryStore, RedisStore, Store
from router.controller import Controller
from router.decisions import DecisionLog
from router.limits import Counters, Limiter, MemoryCounters, RedisCounters
from router.metrics import Metrics, Usage
from router.routing import Price, Routing, Thresholds, Tier, load_routing
from router.settings import Settings
from router.thresholds import ThresholdStore, ThresholdSync
from router.traffic import TrafficWindow
from workers.pool import UpstreamPool
from workers.pricing import price_for
from workers.supervisor import Supervisor, build_supervisor

log = logging.getLogger("tiergate")

FREE = Price()


@dataclass
class Gateway:
    settings: Settings
    routing: Routing
    classifier: Classifier
    keys: KeyStore
    pool: UpstreamPool
    metrics: Metrics
    thresholds: Thresholds
    cache: ResponseCache
    decisions: DecisionLog
    limits: Limiter
    admin_digest: bytes | None = None  # None = admin API disabled
    redis: Any = None  # shared by limits, thresholds and the admin API, when configured
    tuning: ThresholdSync | None = None
    traffic: TrafficWindow = field(default_factory=TrafficWindow)  # recent requests (dashboard)
    controller: Controller | None = None
    supervisors: list[Supervisor] = field(default_factory=list)

    def price(self, tier: str) -> Price:
        """The tier's explicit price, else the shipped table's for its model, else 0."""
        spec: Tier | None = self.routing.tiers.get(tier)  # type: ignore[call-overload]
        if spec is None:
            return FREE
        if "price" in spec.model_fields_set:
            return spec.price
        return price_for(spec.model, self.routing.prices) or FREE

    def frontier_price(self) -> Price:
        """The price every request is compared against (all-frontier counterfactual)."""
        return self.price("frontier")

    def local_ready(self) -> bool:
        return any(t in self.pool.healthy for t in self.routing.tiers["local"].targets)

    def charge(self, tenant: str, usage: Usage, cost: float) -> None:
        """Count an answer against its tenant's tokens-per-minute and USD-per-day limits."""
        if self.keys.metered(tenant):
            self.limits.charge(tenant, usage.prompt_tokens + usage.completion_tokens, cost)

    def set_thresholds(self, thresholds: Thresholds) -> None:
        self.thresholds = thresholds
        self.metrics.threshold.labels("difficulty").set(thresholds.difficulty)
        self.metrics.threshold.labels("sensitivity").set(thresholds.sensitivity)


async def close_gateway(gateway: Gateway) -> None:
    if gateway.tuning is not None:
        await gateway.tuning.close()
    if gateway.controller is not None:
        await gateway.controller.close()
    await gateway.traffic.close()
    await gateway.limits.close()
    await gateway.pool.close()
    await gateway.cache.close()
    await gateway.decisions.close()
    await stop_workers(gateway)
    if gateway.redis is not None:
        await gateway.redis.aclose()


def resolve_routing(settings: Settings, env: Mapping[str, str]) -> Routing:
    """The routing file if one is given, else the embedded default (DESIGN.md)."""
    if settings.config is not None:
        return load_routing(settings.config)
    from router.defaults import default_routing

    return default_routing(settings, env)


def build_gateway(
    settings: Settings, env: Mapping[str, str] | None = None, routing: Routing | None = None
) -> Gateway:
    """Synchronous part of start-up: config, keys, classifier, clients (no I/O to upstreams)."""
    env = os.environ if env is None else env
    routing = routing or resolve_routing(settings, env)
    keys = KeyStore.from_settings(settings, routing)
    warning = check_exposure(settings, keys)
    if warning:
        log.warning(warning)
    metrics = Metrics()
    pool = UpstreamPool.from_routing(
        routing, env, on_health=lambda n, ok: metrics.upstream_healthy.labels(n).set(int(ok))
    )
    redis = shared_redis(settings.redis_url) if settings.redis_url else None
    counters: Counters = RedisCounters(redis) if redis is not None else MemoryCounters()
    store: Store
    if settings.redis_url:
        store = RedisStore(settings.redis_url, routing.cache.redis_budget_ms / 1000)
    else:
        store = MemoryStore(routing.cache.max_entries)
    gateway = Gateway(
        settings,
        routing,
        Classifier.load(),
        keys,
        pool,
        metrics,
        routing.thresholds,
        ResponseCache(routing.cache, store, metrics),
        DecisionLog(routing.decisions, settings.redis_url, settings.decision_log),
        Limiter(counters),
        admin_digest(settings),
        redis,
    )
    gateway.set_thresholds(routing.thresholds)
    gateway.tuning = ThresholdSync(
        ThresholdStore(routing.thresholds, redis), gateway.set_thresholds
    )
    gateway.traffic = TrafficWindow(routing.dashboard, redis)
    gateway.controller = Controller(gateway)
    return gateway


def shared_redis(url: str) -> Any:
    """One client for limits, thresholds and admin reads (each call bounds its own time)."""
    from redis.asyncio import Redis
    from redis.asyncio.retry import Retry  # redis-py 8 warns on the sync one
    from redis.backoff import NoBackoff

    return Redis.from_url(
        url, socket_timeout=1.0, socket_connect_timeout=1.0, retry=Retry(NoBackoff(), 0)
    )


async def start_workers(gateway: Gateway) -> None:
    """Launch and wait for the model servers the routing file declares (`worker:` blocks)."""
    if not gateway.settings.launch_workers:
        return
    for name, spec in gateway.routing.upstreams.items():
        if spec.worker is None:
            continue
        supervisor = build_supervisor(name, spec)
        gateway.supervisors.append(supervisor)
        await supervisor.start()
        log.info("waiting for local worker %s (%s) to be ready", name, spec.base_url)
        await supervisor.wait_ready()
        log.info("local worker %s is ready", name)


async def stop_workers(gateway: Gateway) -> None:
    await asyncio.gather(*(s.stop() for s in gateway.supervisors), return_exceptions=True)
    gateway.supervisors.clear()
