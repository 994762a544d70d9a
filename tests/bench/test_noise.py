"""The machine-noise helpers of bench/noise.py: hiccup detection on synthetic timings."""

from __future__ import annotations

import pytest

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


def test_calibration_finds_the_iterations_of_the_target_median(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # a modelled machine where the loop costs 0.05 µs an iteration plus 3 µs of call overhead
    # (a timed assertion on the real clock failed under CI load: the bench measures, its
    # tests check the arithmetic)
    monkeypatch.setattr(noise, "_median_us", lambda iterations: 3.0 + 0.05 * iterations)
    iterations = noise.calibrate(200.0)
    assert abs((3.0 + 0.05 * iterations) - 200.0) < 1.0


def test_floor_reports_the_median_the_p99_and_their_gap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(noise, "calibrate", lambda target_us: 1)
    durations = iter([100.0] * 98 + [150.0, 400.0])  # one slow call in a hundred
    monkeypatch.setattr(noise, "_timed", lambda call, *args: next(durations))
    assert noise.floor(100.0, rounds=100) == {
        "p50_us": 100.0,
        "p99_us": 400.0,
        "p99_minus_p50_us": 300.0,
    }


def test_the_busy_loop_does_its_work() -> None:
    assert noise.busy_loop(10) == 45
