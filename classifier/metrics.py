"""Router metrics as RouteLLM defines them: APGR, CPT(x%) and AUC, from per-prompt outcomes.

A router orders prompts by score and sends the top share `s` to the strong model. With both
models' graded outcomes per prompt, the quality at share `s` is exact:
`quality(s) = mean(weak) + sum(strong - weak over the routed prompts) / n`, and the
performance gap recovered is `PGR(s) = (quality(s) - mean(weak)) / (mean(strong) - mean(weak))`.

- APGR: the area under PGR over s in [0, 1] (a random router scores 0.5 in expectation).
- CPT(x%): the smallest share of calls to the strong model at which PGR reaches x.
- AUC: ROC AUC of the scores for the binary "strong wins" label (gain > 0).
- `bootstrap_apgr`: how far a held-out set's APGR can be trusted: percentile intervals over
  prompts resampled with replacement, for a router and for its lead over a baseline.

Tied scores are routed as a block in random order, so within a run of ties the curve is the
straight line between its ends: the *expected* curve, which makes a constant (random) router
exactly 0.5 / 50 % / 80 % and makes the prompt-length baseline well defined. Pure numpy.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class RouterMetrics:
    """One router on one data set. `cpt50`/`cpt80` are shares in [0, 1] (None: never reached)."""

    apgr: float
    cpt50: float | None
    cpt80: float | None
    auc: float | None


def pgr_curve(scores: FloatArray, weak: FloatArray, strong: FloatArray) -> tuple[FloatArray, ...]:
    """(shares, PGR) at the end of every block of tied scores, highest scores routed first."""
    scores, weak, strong = (np.asarray(a, dtype=np.float64) for a in (scores, weak, strong))
    gap = float(strong.mean() - weak.mean())
    if scores.size == 0 or abs(gap) < 1e-12:
        raise ValueError("PGR needs prompts and a non-zero gap between the strong and weak model")
    order = np.argsort(-scores, kind="stable")
    gain = np.cumsum((strong - weak)[order])
    sorted_scores = scores[order]
    ends = np.flatnonzero(np.append(sorted_scores[1:] != sorted_scores[:-1], True))
    shares = np.concatenate(([0.0], (ends + 1) / scores.size))
    pgr = np.concatenate(([0.0], gain[ends] / scores.size / gap))
    return shares, pgr


def cpt(shares: FloatArray, pgr: FloatArray, target: float) -> float | None:
    """The smallest share where the (piecewise linear) PGR curve reaches `target`."""
    above = np.flatnonzero(pgr >= target - 1e-12)
    if above.size == 0:
        return None
    i = int(above[0])
    if i == 0:
        return 0.0
    x0, x1, y0, y1 = shares[i - 1], shares[i], pgr[i - 1], pgr[i]
    return float(x0 + (target - y0) * (x1 - x0) / (y1 - y0))


def auc(scores: FloatArray, positive: npt.NDArray[np.bool_]) -> float | None:
    """ROC AUC with ties counted as half (Mann-Whitney); None when one class is empty."""
    scores = np.asarray(scores, dtype=np.float64)
    n_pos = int(positive.sum())
    n_neg = positive.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    first_rank = np.cumsum(counts) - counts  # 0-based rank of each tie block's first member
    ranks = first_rank[inverse] + (counts[inverse] - 1) / 2.0 + 1.0
    return float((ranks[positive].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def router_metrics(scores: FloatArray, weak: FloatArray, strong: FloatArray) -> RouterMetrics:
    """APGR, CPT(50%), CPT(80%) and AUC of one router's scores on one data set."""
    shares, pgr = pgr_curve(scores, weak, strong)
    area = float(np.sum((shares[1:] - shares[:-1]) * (pgr[1:] + pgr[:-1]) / 2.0))
    positive = np.asarray(strong, dtype=np.float64) > np.asarray(weak, dtype=np.float64)
    return RouterMetrics(area, cpt(shares, pgr, 0.5), cpt(shares, pgr, 0.8), auc(scores, positive))


@dataclass(frozen=True, slots=True)
class ApgrInterval:
    """95 % percentile bootstrap intervals: a router's APGR and its lead over a baseline."""

    low: float
    high: float
    lead_low: float
    lead_high: float


def bootstrap_apgr(
    scores: FloatArray,
    baseline: FloatArray,
    weak: FloatArray,
    strong: FloatArray,
    rounds: int = 1000,
    seed: int = 0,
) -> ApgrInterval:
    """Resample the prompts `rounds` times (the same draw for both routers, so their
    difference is paired) and take the 2.5th and 97.5th percentiles of APGR(scores) and of
    APGR(scores) - APGR(baseline). A draw whose weak and strong means tie has no gap to
    recover and is skipped."""
    arrays = [np.asarray(a, dtype=np.float64) for a in (scores, baseline, weak, strong)]
    rng = np.random.default_rng(seed)
    apgrs, leads = [], []
    for _ in range(rounds):
        pick = rng.integers(0, arrays[0].size, arrays[0].size)
        s, b, w, g = (a[pick] for a in arrays)
        if abs(float(g.mean() - w.mean())) < 1e-12:
            continue
        apgr = router_metrics(s, w, g).apgr
        apgrs.append(apgr)
        leads.append(apgr - router_metrics(b, w, g).apgr)
    if not apgrs:
        raise ValueError("no resample has a gap between the strong and weak model")
    low, high = np.percentile(apgrs, [2.5, 97.5])
    lead_low, lead_high = np.percentile(leads, [2.5, 97.5])
    return ApgrInterval(float(low), float(high), float(lead_low), float(lead_high))
