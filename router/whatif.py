"""What-if: the recent traffic replayed under another difficulty threshold. Pure functions.

Only requests the threshold actually chose (`kind == "a"`) move: sensitive requests stay local
and forced / fallen-back / budget-capped ones keep the tier they got. For a candidate threshold:

- frontier share: the share of routed requests that would go to the frontier;
- cost per hour: each request's recorded tokens priced at the tier it would go to (a cache hit
  stays free), over the window's span (router/stats.py);
- expected quality shortfall: the estimated share of requests where the small tier falls short.
  The difficulty score is trained as P(small model falls short), so each local request counts
  its score; when the classifier's model card carries reliability bins (`calibration.reliability`:
  mean predicted score -> observed rate), the score is corrected through them first (linear
  interpolation between bin centres). `Reliability.source` says which applied.

The inverse problems — a target frontier share or a USD-per-hour budget to a threshold — reuse
`classifier.calibrate.threshold_for_share` (the quantile of the movable requests' scores), and
bisection on the projected cost, which falls as the threshold rises.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from classifier.calibrate import threshold_for_share as quantile_threshold
from router.routing import Price
from router.stats import Sample


@dataclass(frozen=True, slots=True)
class Reliability:
    """Score -> observed rate, from the model card's reliability bins (identity without)."""

    predicted: tuple[float, ...] = ()
    observed: tuple[float, ...] = ()

    @property
    def source(self) -> str:
        if self.predicted:
            return "difficulty corrected by the model card's reliability bins"
        return "difficulty score as calibrated probability (model card has no reliability bins)"

    def correct(self, score: float) -> float:
        if not self.predicted:
            return score
        xs, ys = self.predicted, self.observed
        if score <= xs[0]:
            return ys[0]
        if score >= xs[-1]:
            return ys[-1]
        i = bisect.bisect_right(xs, score)
        x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
        return y0 if x1 == x0 else y0 + (y1 - y0) * (score - x0) / (x1 - x0)

    @classmethod
    def from_card(cls, card: Mapping[str, Any]) -> Reliability:
        """Bins as `[{"predicted"|"mean_predicted": p, "observed"|"observed_rate": o, ...}]`
        under `calibration.reliability` (or top-level `reliability`); empty bins are skipped."""
        calibration = card.get("calibration")
        bins = calibration.get("reliability") if isinstance(calibration, Mapping) else None
        bins = bins if bins is not None else card.get("reliability")
        points = []
        for b in bins if isinstance(bins, list) else []:
            if not isinstance(b, Mapping) or b.get("count", 1) == 0:
                continue
            p, o = b.get("predicted", b.get("mean_predicted")), b.get("observed_rate")
            o = b.get("observed", o)
            if isinstance(p, int | float) and isinstance(o, int | float):
                points.append((float(p), min(1.0, max(0.0, float(o)))))
        points.sort()
        return cls(tuple(p for p, _ in points), tuple(o for _, o in points))


@dataclass(frozen=True, slots=True)
class Projection:
    threshold: float
    requests: int
    frontier_share: float | None
    cost_per_hour: float
    shortfall_share: float | None  # share of all routed requests where local falls short
    local_shortfall: float | None  # mean P(falls short) over the requests kept local


def tier_at(sample: Sample, threshold: float) -> str:
    """The tier this request would get under `threshold`."""
    if sample.kind == "a" and sample.difficulty is not None:
        return "frontier" if sample.difficulty >= threshold else "local"
    return sample.tier


def project(
    samples: Sequence[Sample],
    threshold: float,
    prices: Mapping[str, Price],
    hours: float,
    reliability: Reliability = Reliability(),
) -> Projection:
    """Frontier share, cost per hour and expected quality shortfall under `threshold`."""
    routed = [s for s in samples if s.tier != "none"]
    cost, frontier, shortfall, local = 0.0, 0, 0.0, 0
    for s in routed:
        tier = tier_at(s, threshold)
        cost += s.priced(prices.get(tier, Price()))
        if tier == "frontier":
            frontier += 1
        else:
            local += 1
            shortfall += reliability.correct(s.difficulty or 0.0)
    n = len(routed)
    return Projection(
        threshold,
        n,
        frontier / n if n else None,
        cost / hours if hours > 0 else 0.0,
        shortfall / n if n else None,
        shortfall / local if local else None,
    )


def threshold_for_share(samples: Sequence[Sample], share: float) -> float:
    """The threshold that sends `share` of the routed requests to the frontier, counting those
    whose tier the threshold does not choose as they are; ValueError with nothing to move."""
    routed = [s for s in samples if s.tier != "none"]
    movable = [s.difficulty for s in routed if s.kind == "a" and s.difficulty is not None]
    if not movable:
        raise ValueError("no recent auto-routed traffic to derive a threshold from")
    fixed = sum(1 for s in routed if s.kind != "a" and s.tier == "frontier")
    wanted = share * len(routed) - fixed  # frontier requests the threshold must pick
    return quantile_threshold(movable, min(1.0, max(0.0, wanted / len(movable))))


def threshold_for_budget(
    samples: Sequence[Sample],
    usd_per_hour: float,
    prices: Mapping[str, Price],
    hours: float,
    low: float = 0.0,
    high: float = 1.0,
) -> float:
    """The lowest threshold in [low, high] whose projected cost per hour fits the budget
    (`high` when none does): the most frontier traffic the budget pays for."""
    if project(samples, low, prices, hours).cost_per_hour <= usd_per_hour:
        return low
    for _ in range(30):  # cost only falls as the threshold rises
        mid = (low + high) / 2
        if project(samples, mid, prices, hours).cost_per_hour <= usd_per_hour:
            high = mid
        else:
            low = mid
    return high
