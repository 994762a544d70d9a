from __future__ import annotations

import numpy as np
import pytest

from classifier.metrics import auc, router_metrics


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
