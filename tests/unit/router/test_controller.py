"""The controller's step: hold in the dead band, move at most `step` toward the target, stay in
bounds, wait for enough traffic; and its config validation."""

from __future__ import annotations

import pytest

from router.controller import decide_move
from router.errors import ConfigError
from router.routing import ControllerConfig, Price, parse_routing
from router.stats import Sample

PRICES = {"local": Price(), "frontier": Price(input=2.0, output=8.0)}
NOW = 10_000.0


def traffic(current: float, n: int = 100) -> list[Sample]:
    """n auto-routed requests with difficulties spread over [0, 1), routed under `current`."""
    out = []
    for i in range(n):
        d = i / n
        tier = "frontier" if d >= current else "local"
        cost = 0.01 if tier == "frontier" else 0.0
        out.append(Sample(NOW - 1800 + i, tier, "a", d, 0.0, "m", 0.1, None, cost,
                          1000, 1000, 0, 200))  # fmt: skip
    return out


def share(target: float, **kw: float) -> ControllerConfig:
    return ControllerConfig(enabled=True, target_frontier_share=target, min_requests=10, **kw)


def test_holds_inside_the_dead_band() -> None:
    move = decide_move(0.5, traffic(0.5), share(0.51), PRICES, 3600.0, NOW)
    assert move.action == "hold" and move.threshold == 0.5 and "dead band" in move.why


def test_too_much_frontier_traffic_raises_the_threshold_by_at_most_step() -> None:
    move = decide_move(0.5, traffic(0.5), share(0.2, step=0.05), PRICES, 3600.0, NOW)
    assert move.action == "raise"
    assert move.measured == pytest.approx(0.5)
    assert move.threshold == pytest.approx(0.55)


def test_small_error_moves_only_as_far_as_needed() -> None:
    move = decide_move(0.5, traffic(0.5), share(0.45, step=0.2), PRICES, 3600.0, NOW)
    assert move.action == "raise"
    assert 0.5 < move.threshold <= 0.56


def test_too_little_frontier_traffic_lowers_it_but_not_below_the_bound() -> None:
    config = share(0.9, step=0.5, min_threshold=0.3)
    move = decide_move(0.5, traffic(0.5), config, PRICES, 3600.0, NOW)
    assert move.action == "lower" and move.threshold == pytest.approx(0.3)
    again = decide_move(0.3, traffic(0.3), config, PRICES, 3600.0, NOW)
    assert again.action == "hold" and again.threshold == 0.3


def test_repeated_ticks_converge_on_the_target() -> None:
    config = share(0.2, step=0.05)
    t = 0.5
    for _ in range(20):
        t = decide_move(t, traffic(t), config, PRICES, 3600.0, NOW).threshold
    assert abs((1 - t) - 0.2) <= 0.02 + 1e-9


def test_budget_mode_moves_toward_the_budget() -> None:
    config = ControllerConfig(enabled=True, usd_per_hour=0.2, min_requests=10, step=0.1)
    # under 0.5: 50 frontier requests at 0.01 over 100 s (rates over at least a minute)
    move = decide_move(0.5, traffic(0.5), config, PRICES, 3600.0, NOW)
    assert move.action == "raise" and move.threshold == pytest.approx(0.6)
    assert move.measured is not None and move.measured > 0.2


def test_waits_for_enough_traffic() -> None:
    config = ControllerConfig(enabled=True, target_frontier_share=0.2, min_requests=500)
    move = decide_move(0.5, traffic(0.5), config, PRICES, 3600.0, NOW)
    assert move.action == "hold" and "fewer than 500" in move.why


def test_config_needs_exactly_one_target_when_enabled() -> None:
    assert ControllerConfig().enabled is False
    with pytest.raises(ValueError, match="exactly one"):
        ControllerConfig(enabled=True)
    with pytest.raises(ValueError, match="exactly one"):
        ControllerConfig(enabled=True, target_frontier_share=0.2, usd_per_hour=1.0)
    with pytest.raises(ValueError, match="min_threshold"):
        ControllerConfig(min_threshold=0.8, max_threshold=0.2)


def test_routing_file_keys() -> None:
    doc = {
        "upstreams": {"l": {"kind": "llamacpp", "base_url": "http://127.0.0.1:1/v1"}},
        "tiers": {"local": {"targets": ["l"], "model": "m"}},
        "dashboard": {"window_seconds": 300, "bins": 10},
        "controller": {"enabled": True, "usd_per_hour": 2.5, "step": 0.01},
    }
    routing = parse_routing(doc)
    assert routing.dashboard.bins == 10 and routing.controller.usd_per_hour == 2.5
    doc["controller"] = {"enabled": True, "tagret_frontier_share": 0.2}
    with pytest.raises(ConfigError, match=r"controller\.tagret_frontier_share"):
        parse_routing(doc)
