"""The routing policy as a decision table: every rule of DESIGN.md, one row each."""

from __future__ import annotations

import pytest

from classifier.scores import Entity, Scores
from router.auth import ANONYMOUS, Caller
from router.errors import ModelNotFoundError, NoHealthyUpstreamError, PermissionDeniedError
from router.policy import Route, decide
from router.routing import Routing, Thresholds, parse_routing

ROUTING = parse_routing(
    {
        "upstreams": {
            "local-a": {"kind": "llamacpp", "base_url": "http://127.0.0.1:1/v1"},
            "local-b": {"kind": "vllm", "base_url": "http://127.0.0.1:2/v1", "model": "served-b"},
            "hosted": {"kind": "openai", "base_url": "http://127.0.0.1:3/v1"},
        },
        "tiers": {
            "local": {"targets": ["local-a", "local-b"], "model": "small", "aliases": ["tiny"]},
            "frontier": {"targets": ["hosted"], "model": "big"},
        },
        "thresholds": {"difficulty": 0.5, "sensitivity": 0.5},
    }
)
NO_FRONTIER = parse_routing(
    {
        "upstreams": {"local-a": {"kind": "llamacpp", "base_url": "http://127.0.0.1:1/v1"}},
        "tiers": {"local": {"targets": ["local-a"], "model": "small"}},
    }
)
ALL = frozenset({"local-a", "local-b", "hosted"})
TH = Thresholds(difficulty=0.5, sensitivity=0.5)
EASY = Scores(difficulty=0.1, sensitivity=0.0)
HARD = Scores(difficulty=0.9, sensitivity=0.0)
SENSITIVE = Scores(difficulty=0.9, sensitivity=0.7)
CARD = Scores(difficulty=0.1, sensitivity=0.1, entities=(Entity("CREDIT_CARD", 0, 16, 0),))


def route(
    scores: Scores,
    model: str = "auto",
    healthy: frozenset[str] = ALL,
    caller: Caller = ANONYMOUS,
    routing: Routing = ROUTING,
) -> Route:
    return decide(scores, model, caller, routing, TH, healthy)


def upstreams(r: Route) -> list[str]:
    return [t.upstream for t in r.targets]


@pytest.mark.parametrize(
    ("scores", "model", "healthy", "tier", "reason", "targets"),
    [
        # rule 3: difficulty against the threshold
        (EASY, "auto", ALL, "local", "easy", ["local-a", "local-b", "hosted"]),
        (HARD, "auto", ALL, "frontier", "difficult", ["hosted", "local-a", "local-b"]),
        (Scores(0.5, 0.0), "auto", ALL, "frontier", "difficult", ["hosted", "local-a", "local-b"]),
        # rule 2: forced by tier name, model name or alias
        (HARD, "local", ALL, "local", "forced", ["local-a", "local-b", "hosted"]),
        (EASY, "frontier", ALL, "frontier", "forced", ["hosted", "local-a", "local-b"]),
        (EASY, "big", ALL, "frontier", "forced", ["hosted", "local-a", "local-b"]),
        (HARD, "tiny", ALL, "local", "forced", ["local-a", "local-b", "hosted"]),
        # rule 1: sensitive -> local only, never a hosted target in the list
        (SENSITIVE, "auto", ALL, "local", "sensitive", ["local-a", "local-b"]),
        (CARD, "auto", ALL, "local", "sensitive", ["local-a", "local-b"]),
        (SENSITIVE, "local", ALL, "local", "sensitive", ["local-a", "local-b"]),
        (SENSITIVE, "auto", frozenset({"local-b", "hosted"}), "local", "sensitive", ["local-b"]),
        # rule 4: availability
        (EASY, "auto", frozenset({"hosted"}), "frontier", "fallback_frontier", ["hosted"]),
        (HARD, "auto", frozenset({"local-a"}), "local", "fallback_local", ["local-a"]),
        (EASY, "local", frozenset({"hosted"}), "frontier", "fallback_frontier", ["hosted"]),
        (EASY, "auto", frozenset({"local-b", "hosted"}), "local", "easy", ["local-b", "hosted"]),
    ],
)
def test_decision_table(
    scores: Scores, model: str, healthy: frozenset[str], tier: str, reason: str, targets: list[str]
) -> None:
    r = route(scores, model, healthy)
    assert (r.tier, r.reason, upstreams(r)) == (tier, reason, targets)


def test_target_model_is_the_upstream_override_or_the_tier_model() -> None:
    r = route(EASY)
    assert [t.model for t in r.targets] == ["small", "served-b", "big"]


@pytest.mark.parametrize("model", ["frontier", "big"])
def test_sensitive_request_forced_to_frontier_is_refused(model: str) -> None:
    with pytest.raises(PermissionDeniedError) as info:
        route(CARD, model)
    assert "CREDIT_CARD" in info.value.message
    assert info.value.status_code == 403


def test_sensitive_request_fails_closed_when_no_local_replica_is_healthy() -> None:
    with pytest.raises(NoHealthyUpstreamError):
        route(SENSITIVE, healthy=frozenset({"hosted"}))


def test_nothing_healthy_anywhere_is_503() -> None:
    with pytest.raises(NoHealthyUpstreamError):
        route(EASY, healthy=frozenset())


def test_unknown_model_is_404_naming_the_choices() -> None:
    with pytest.raises(ModelNotFoundError) as info:
        route(EASY, "gpt-9")
    assert "auto" in info.value.message and info.value.param == "model"


def test_frontier_bound_request_without_a_frontier_is_answered_locally() -> None:
    r = route(HARD, routing=NO_FRONTIER, healthy=frozenset({"local-a"}))
    assert (r.tier, r.reason, upstreams(r)) == ("local", "frontier_unconfigured", ["local-a"])
    forced = route(EASY, "frontier", routing=NO_FRONTIER, healthy=frozenset({"local-a"}))
    assert (forced.tier, forced.reason) == ("local", "frontier_unconfigured")


def test_caller_limited_to_local_cannot_force_frontier_and_auto_stays_local() -> None:
    local_only = Caller("t1", frozenset({"local"}))
    with pytest.raises(PermissionDeniedError):
        route(EASY, "frontier", caller=local_only)
    r = route(HARD, caller=local_only)
    assert (r.tier, r.reason, upstreams(r)) == ("local", "tier_not_allowed", ["local-a", "local-b"])


def test_thresholds_come_from_the_argument_not_the_file() -> None:
    r = decide(Scores(0.6, 0.0), "auto", ANONYMOUS, ROUTING, Thresholds(difficulty=0.7), ALL)
    assert r.tier == "local"


def test_saturated_local_tier_spills_auto_requests_to_the_frontier() -> None:
    busy = frozenset({"local-a", "local-b"})
    r = decide(EASY, "auto", ANONYMOUS, ROUTING, TH, ALL, busy)
    assert (r.tier, r.reason, upstreams(r)) == (
        "frontier",
        "local_saturated",
        ["hosted", "local-a", "local-b"],
    )
    # one replica with room left keeps the request local
    assert decide(EASY, "auto", ANONYMOUS, ROUTING, TH, ALL, frozenset({"local-a"})).tier == "local"
    # sensitive requests stay local and queue; forced local stays local
    assert decide(CARD, "auto", ANONYMOUS, ROUTING, TH, ALL, busy).reason == "sensitive"
    assert decide(EASY, "local", ANONYMOUS, ROUTING, TH, ALL, busy).reason == "forced"
    # nowhere to spill to: stay local
    alone = decide(
        EASY, "auto", ANONYMOUS, NO_FRONTIER, TH, frozenset({"local-a"}), frozenset({"local-a"})
    )
    assert alone.tier == "local"
