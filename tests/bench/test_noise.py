"""The machine-noise helpers of bench/noise.py: hiccup detection on synthetic timings."""

from __future__ import annotations

from bench import noise


def test_hiccups_are_calls_far_above_their_own_texts_median() -> None:
    # two texts of different speed; every 27th call of either gets +100 µs, 4 ms apart
    calls = []
    for i in range(270):
        text = i % 2
        took = (100.0 if text == 0 else 180.0) + (100.0 if i % 27 == 13 else 0.0)
        calls.append((i * 148_000, took, text))
    found = noise.hiccups(calls)
    assert found["share"] == round(10 / 270, 4)
    assert found["median_gap_ms"] == 4.0  # 27 calls of 148 µs: 3.996 ms
    # the slow text alone is not a hiccup: it is measured against its own median
    assert noise.hiccups([(i, 180.0 if i % 2 else 100.0, i % 2) for i in range(100)])["share"] == 0


def test_no_calls_and_no_gaps_give_none() -> None:
    assert noise.hiccups([]) == {"over_us": noise.OVER_US, "share": None, "median_gap_ms": None}
    assert noise.hiccups([(0, 10.0, 0), (1, 10.0, 0), (2, 500.0, 0)])["median_gap_ms"] is None


def test_floor_is_calibrated_to_the_target_median() -> None:
    result = noise.floor(200.0, rounds=50)
    assert 100.0 < result["p50_us"] < 400.0  # calibrated on a shared machine: within 2x
    assert result["p99_us"] >= result["p50_us"]
