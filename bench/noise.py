"""How much of a latency tail is the machine's: a busy loop as the baseline, and the hiccups.

A p99 over thousands of ~150 µs calls is not only the code's. On the VMs these benchmarks run
on (Firecracker, a guest kernel with a 250 Hz timer), a periodic interrupt lands every 4 ms;
the call it lands in pays for the interrupt and for refilling the caches it disturbed. A call
of 150 µs meets one about once in 27 calls, so the p99 of such calls is a call with a tick in
it, whatever the code does. Two measurements make this visible in the same run:

- `floor`: a pure-Python busy loop calibrated to the same median as the code under test, timed
  the same way: its p99 is what the machine adds to a call with almost no working set.
- `hiccups`: the calls more than `OVER_US` above their own text's median, as a share of all
  calls, and the median time between their starts. A share of a few per cent spaced ~4 ms
  apart is the timer, not the code.
"""

from __future__ import annotations

import itertools
import statistics
import time
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

OVER_US = 50.0  # a call this far above its text's median counts as a hiccup


def busy_loop(iterations: int) -> int:
    """Pure Python work with a working set of a few cache lines."""
    total = 0
    for i in range(iterations):
        total += i
    return total


def _median_us(iterations: int, calls: int = 200) -> float:
    return statistics.median(_timed(busy_loop, iterations) for _ in range(calls))


def calibrate(target_us: float) -> int:
    """Iterations of `busy_loop` whose median takes about `target_us`."""
    iterations = 1000
    for _ in range(3):  # the loop is linear in its iterations; a few corrections suffice
        iterations = max(1, round(iterations * target_us / max(_median_us(iterations), 0.01)))
    return iterations


def floor(target_us: float, rounds: int) -> dict[str, Any]:
    """The busy loop at the median `target_us`, `rounds` calls: p50, p99 and the p99's excess."""
    iterations = calibrate(target_us)
    samples = sorted(_timed(busy_loop, iterations) for _ in range(rounds))
    p50, p99 = statistics.median(samples), samples[min(len(samples) - 1, int(0.99 * rounds))]
    return {
        "p50_us": round(p50, 1),
        "p99_us": round(p99, 1),
        "p99_minus_p50_us": round(p99 - p50, 1),
    }


def _timed(call: Any, *args: Any) -> float:
    start = time.perf_counter_ns()
    call(*args)
    return (time.perf_counter_ns() - start) / 1000


def hiccups(calls: Sequence[tuple[int, float, int]], over_us: float = OVER_US) -> dict[str, Any]:
    """`calls` are (start in ns, duration in µs, text index). Returns the share of calls more
    than `over_us` above their text's median and the median gap between their starts in ms."""
    by_text: dict[int, list[float]] = defaultdict(list)
    for _, took, text in calls:
        by_text[text].append(took)
    medians = {text: statistics.median(took) for text, took in by_text.items()}
    starts = [start for start, took, text in calls if took - medians[text] > over_us]
    gaps = [(b - a) / 1e6 for a, b in itertools.pairwise(starts)]
    return {
        "over_us": over_us,
        "share": round(len(starts) / len(calls), 4) if calls else None,
        "median_gap_ms": round(statistics.median(gaps), 2) if gaps else None,
    }
