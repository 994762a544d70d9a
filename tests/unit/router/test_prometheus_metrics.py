"""Metrics: memoised label lookups count into the same series as plain ones."""

from __future__ import annotations

from prometheus_client import generate_latest

from router.metrics import Metrics


def test_memoised_labels_reach_the_registry_like_plain_ones() -> None:
    m = Metrics()
    first = m.requests.labels("local", "small", "easy", "200")
    assert m.requests.labels("local", "small", "easy", "200") is first  # memo hit
    first.inc()
    m.requests.labels("local", "small", "easy", "200").inc(2)
    m.requests.labels("frontier", "big", "hard", "200").inc()
    text = generate_latest(m.registry).decode()
    assert (
        'tiergate_requests_total{model="small",reason="easy",status="200",tier="local"} 3.0' in text
    )
    assert 'tier="frontier"} 1.0' in text
