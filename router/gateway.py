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

from classifier import Classifier
from router.auth import KeyStore
from router.cache import ResponseCache
from router.cache_store import MemoryStore, RedisStore, Store
from router.decisions import DecisionLog
from router.metrics import Metrics
from router.routing import Price, Routing, Thresholds, Tier, load_routing
from router.settings import Settings
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

    def set_thresholds(self, thresholds: Thresholds) -> None:
        self.thresholds = thresholds
        self.metrics.threshold.labels("difficulty").set(thresholds.difficulty)
        self.metrics.threshold.labels("sensitivity").set(thresholds.sensitivity)


async def close_gateway(gateway: Gateway) -> None:
    await gateway.pool.close()
    await gateway.cache.close()
    await gateway.decisions.close()
    await stop_workers(gateway)


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
    keys = KeyStore.from_pairs(settings.api_keys.get_secret_value() if settings.api_keys else None)
    if not keys.enabled:
        log.warning(
            "CLIENT AUTH IS OFF: no TIERGATE_API_KEYS or keys file; every caller is "
            "tenant 'default'"
        )
    metrics = Metrics()
    pool = UpstreamPool.from_routing(
        routing, env, on_health=lambda n, ok: metrics.upstream_healthy.labels(n).set(int(ok))
    )
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
    )
    gateway.set_thresholds(routing.thresholds)
    return gateway


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
