"""Choosing a route: a pure function of the scores, the request's model, the caller, the routing
config, the thresholds and which upstreams are healthy. No I/O, so every rule is a table test.

The rules, in order (DESIGN.md):
1. sensitive (score over threshold, or a hard entity) -> local tier only; forcing `frontier` is
   refused (403); no healthy local replica fails closed (503), never spills to the frontier;
2. a forced tier or model (if the caller may use it);
3. difficulty >= threshold -> frontier, else local;
4. availability: no healthy replica in the chosen tier -> the other tier (`fallback_<tier>`),
   except as rule 1 forbids; every healthy local replica saturated (vLLM queue past its
   bound) -> an auto-routed request goes to the frontier (`local_saturated`); sensitive ones
   stay local and queue.
The returned targets are ordered: the chosen tier's healthy replicas, then (unless sensitive)
the other tier's, which the call-time fallback loop walks in order.
"""

from __future__ import annotations

from collections.abc import Set
from dataclasses import dataclass, replace

from classifier.scores import Scores
from router.auth import Caller
from router.errors import ModelNotFoundError, NoHealthyUpstreamError, PermissionDeniedError
from router.routing import TIER_NAMES, Routing, Thresholds, TierName

OTHER: dict[TierName, TierName] = {"local": "frontier", "frontier": "local"}


@dataclass(frozen=True, slots=True)
class Target:
    upstream: str
    tier: TierName
    model: str  # the model name sent to this upstream


@dataclass(frozen=True, slots=True)
class Route:
    tier: TierName
    model: str
    reason: str
    sensitive: bool
    targets: tuple[Target, ...]


def is_sensitive(scores: Scores, thresholds: Thresholds) -> bool:
    return scores.hard_entity or scores.sensitivity >= thresholds.sensitivity


def requested_tier(model: str, routing: Routing) -> TierName | None:
    """The tier a request's `model` forces; None for `auto`; 404 for unknown names."""
    if model in ("auto", routing.default_model):
        return None
    if model in TIER_NAMES:
        return model
    tier = routing.tier_of_model(model)
    if tier is None:
        known = ", ".join(["auto", *routing.tiers, *(t.model for t in routing.tiers.values())])
        raise ModelNotFoundError(
            f"The model '{model}' does not exist. Available: {known}.", param="model"
        )
    return tier


def targets_of(tier: TierName, routing: Routing, healthy: Set[str]) -> tuple[Target, ...]:
    spec = routing.tiers.get(tier)
    if spec is None:
        return ()
    return tuple(
        Target(name, tier, routing.upstreams[name].model or spec.model)
        for name in spec.targets
        if name in healthy
    )


def _first_choice(
    scores: Scores,
    forced: TierName | None,
    caller: Caller,
    routing: Routing,
    thresholds: Thresholds,
) -> tuple[TierName, str]:
    if forced is not None:
        tier, reason = forced, "forced"
    else:
        tier = "frontier" if scores.difficulty >= thresholds.difficulty else "local"
        reason = "difficult" if tier == "frontier" else "easy"
    if tier == "frontier" and not routing.frontier_configured():
        return "local", "frontier_unconfigured"
    if not caller.may_use(tier) and caller.may_use(OTHER[tier]):
        return OTHER[tier], "tier_not_allowed"
    return tier, reason


def decide(
    scores: Scores,
    model: str,
    caller: Caller,
    routing: Routing,
    thresholds: Thresholds,
    healthy: Set[str],
    saturated: Set[str] = frozenset(),
) -> Route:
    """Pick tier, reason and ordered targets for one request (see the module docstring)."""
    forced = requested_tier(model, routing)
    if forced is not None and not caller.may_use(forced):
        raise PermissionDeniedError(f"Your key may not use the '{forced}' tier.", param="model")
    if is_sensitive(scores, thresholds):
        if forced == "frontier":
            kinds = sorted({e.type for e in scores.entities}) or ["sensitive content"]
            raise PermissionDeniedError(
                "This request contains sensitive data (" + ", ".join(kinds) + ") and may not "
                "be sent to the frontier tier; use model 'auto' or 'local'.",
                param="model",
                code="sensitive_data",
            )
        local = targets_of("local", routing, healthy)
        if not local:
            raise NoHealthyUpstreamError(
                "No healthy local replica for a sensitive request; it is not sent elsewhere."
            )
        return Route("local", routing.tiers["local"].model, "sensitive", True, local)

    tier, reason = _first_choice(scores, forced, caller, routing, thresholds)
    primary = targets_of(tier, routing, healthy)
    other_tier = OTHER[tier]
    other = targets_of(other_tier, routing, healthy) if caller.may_use(other_tier) else ()
    if not primary:
        if not other:
            raise NoHealthyUpstreamError(f"No healthy upstream for the '{tier}' tier or any other.")
        tier, reason, primary, other = other_tier, f"fallback_{other_tier}", other, ()
    elif (
        forced is None
        and tier == "local"
        and other
        and all(t.upstream in saturated for t in primary)
    ):
        tier, reason, primary, other = "frontier", "local_saturated", other, primary
    return Route(tier, routing.tiers[tier].model, reason, False, primary + other)


def keep_local(route: Route, local_model: str, reason: str) -> Route | None:
    """The route without its frontier targets (a tenant's USD budget is spent): a local route
    loses its frontier fallback, a frontier route becomes local with `reason`. None when the
    route has no local target to keep (the caller may not use it, or none is healthy)."""
    local = tuple(t for t in route.targets if t.tier == "local")
    if not local:
        return None
    if route.tier == "local":
        return replace(route, targets=local)
    return Route("local", local_model, reason, route.sensitive, local)
