"""Thresholds from targets: "send 20 % of traffic to the frontier" -> a difficulty threshold.

A threshold typed by hand means nothing once the model is retrained; a target share keeps its
meaning. The threshold is the (1 - share) quantile of the difficulty scores of representative
prompts, so that on those prompts exactly `share` of them score at or above it (RouteLLM's
`calibrate_threshold.py` does the same). Prompts are read from JSONL (`messages`, `prompt` or
`text` per line, as `prompts.read_prompts` accepts) or, without a file, from the offline data
folder's training splits.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def threshold_for_share(scores: Sequence[float], share: float) -> float:
    """A threshold t with `share_at(scores, t)` equal to `share` (to the nearest prompt); when
    tied scores straddle the cut, the tie block stays below t, so the share is never exceeded."""
    if not 0.0 <= share <= 1.0:
        raise ValueError(f"share must be in [0, 1], got {share}")
    values = np.sort(np.asarray(scores, dtype=np.float64))[::-1]
    if values.size == 0:
        raise ValueError("no scores to calibrate on")
    k = round(share * values.size)  # number of prompts to send to the frontier
    if k == 0:
        return float(np.nextafter(values[0], np.inf))  # above every score: nothing goes
    if k == values.size:
        return float(values[-1])
    # Midway between the k-th and (k+1)-th highest score; ties make the exact share unreachable.
    return (
        float((values[k - 1] + values[k]) / 2.0)
        if values[k - 1] > values[k]
        else float(np.nextafter(values[k - 1], np.inf))
    )


def share_at(scores: Sequence[float], threshold: float) -> float:
    """The share of `scores` at or above `threshold` (what the router sends to the frontier)."""
    values = np.asarray(scores, dtype=np.float64)
    return float((values >= threshold).mean()) if values.size else 0.0
