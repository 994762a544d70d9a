from __future__ import annotations

import numpy as np
import pytest

from classifier.metrics import auc, bootstrap_apgr, router_metrics


def _outcomes(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    weak = (rng.random(n) < 0.6).astype(float)
    strong = np.maximum(weak, (rng.random(n) < 0.5).astype(float))
    return weak, strong


def test_a_constant_router_is_exactly_random() -> None:
    weak, strong = _outcomes(500, 0)
    result = router_metrics(np.zeros(500), weak, strong)
    assert result.apgr == pytest.approx(0.5)
    assert result.cpt50 == pytest.approx(0.5) and result.cpt80 == pytest.approx(0.8)
    assert result.auc == pytest.approx(0.5)


def test_the_oracle_recovers_the_gap_with_the_fewest_calls() -> None:
    weak, strong = _outcomes(500, 1)
    gain = strong - weak
    result = router_metrics(gain, weak, strong)
    wins = gain.mean()
    assert result.auc == 1.0
    assert result.cpt50 == pytest.approx(wins / 2) and result.cpt80 == pytest.approx(wins * 0.8)
    assert result.apgr == pytest.approx(1 - wins / 2)  # PGR rises linearly, then stays at 1
    assert router_metrics(-gain, weak, strong).apgr < 0.5


def test_auc_matches_sklearn_with_ties() -> None:
    from sklearn.metrics import roc_auc_score

    rng = np.random.default_rng(2)
    scores = rng.integers(0, 5, 300).astype(float)
    labels = rng.random(300) < 0.3
    assert auc(scores, labels) == pytest.approx(roc_auc_score(labels, scores))
    assert auc(scores, np.zeros(300, dtype=bool)) is None


def test_no_gap_is_an_error() -> None:
    with pytest.raises(ValueError, match="gap"):
        router_metrics(np.zeros(3), np.ones(3), np.ones(3))


def test_the_bootstrap_interval_holds_the_estimate_and_narrows_with_more_prompts() -> None:
    widths = []
    for n in (100, 2500):
        weak, strong = _outcomes(n, 3)
        noisy = (strong - weak) + np.random.default_rng(4).normal(0, 1.0, n)  # a fair router
        ci = bootstrap_apgr(noisy, np.zeros(n), weak, strong, rounds=300, seed=0)
        assert ci.low <= router_metrics(noisy, weak, strong).apgr <= ci.high
        assert ci.lead_low > 0  # it beats a constant router on this many prompts
        widths.append(ci.high - ci.low)
    assert widths[1] < widths[0] / 3  # about 1 / sqrt(25)


def test_the_lead_over_a_baseline_is_paired_and_seeded() -> None:
    weak, strong = _outcomes(300, 5)
    scores = np.random.default_rng(6).random(300)
    same = bootstrap_apgr(scores, scores, weak, strong, rounds=200, seed=1)
    assert same.lead_low == same.lead_high == 0.0  # the same draw for both: no spread
    assert bootstrap_apgr(scores, -scores, weak, strong, rounds=200, seed=1) == bootstrap_apgr(
        scores, -scores, weak, strong, rounds=200, seed=1
    )
    with pytest.raises(ValueError, match="gap"):
        bootstrap_apgr(scores, scores, weak, weak, rounds=5)
