"""Classifier latency, load time and artifact size, measured the way the targets are stated.

    python -m bench.classifier_latency [--artifact PATH] [--rounds 5000]

- score: `Classifier.score()` (difficulty and sensitivity together) on a chat request whose
  user message is ~500 tokens (~2,000 characters of English prose with numbers and code-ish
  punctuation), pinned to one CPU core; p50 / p99 / p99.9 over `--rounds` calls after warm-up.
  A second request mixes in an e-mail, a card number and a key so the detectors' slow paths run.
- load: `Classifier.load()` in a fresh interpreter (imports included), best of 5 runs.
- size: the artifact's bytes on disk.
- conversation: the next request of a 10-message chat, `score()` (history from its memo)
  against scanning every message, in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

_PROSE = (
    "Our team migrated the billing service to Python 3.11 last quarter and latency dropped "
    "by 18% on average, but p99 still spikes to 350 ms under load. Explain why the garbage "
    "collector might cause this, how to measure it with tracemalloc, and whether setting "
    "gc.freeze() after start-up is safe when workers fork; compare with PyPy and give a "
    "short code example using {key: value} dicts and a for loop over 1000 items. "
)
_SENSITIVE = (
    " Contact jane.doe@example.com or +1 415 555 0132; card 4111 1111 1111 1111; "
    "key AKIAIOSFODNN7EXAMPLE. "
)


def _request(tokens: int, sensitive: bool) -> list[dict[str, str]]:
    text = _PROSE
    while len(text) < tokens * 4:
        text += _PROSE + (_SENSITIVE if sensitive else "")
    return [{"role": "system", "content": "You are a helpful assistant."},
            {"role": "user", "content": text[: tokens * 4]}]  # fmt: skip


def time_score(artifact: Path | None, rounds: int, tokens: int = 500) -> dict[str, Any]:
    """Per-call latency of `score()` in microseconds, on one pinned core."""
    from classifier import Classifier

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    clf = Classifier.load(artifact)
    report: dict[str, Any] = {}
    for name, sensitive in (("plain", False), ("with_entities", True)):
        request = _request(tokens, sensitive)
        for _ in range(300):
            clf.score(request)
        samples = []
        for _ in range(rounds):
            start = time.perf_counter_ns()
            clf.score(request)
            samples.append((time.perf_counter_ns() - start) / 1000)
        samples.sort()
        report[name] = {
            "chars": len(request[1]["content"]),
            "p50_us": round(statistics.median(samples), 1),
            "p99_us": round(samples[int(0.99 * len(samples))], 1),
            "p999_us": round(samples[int(0.999 * len(samples))], 1),
        }
    return report


def _percentiles(call: Any, rounds: int) -> dict[str, float]:
    for _ in range(min(300, rounds)):
        call()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        call()
        samples.append((time.perf_counter_ns() - start) / 1000)
    samples.sort()
    return {
        "p50_us": round(statistics.median(samples), 1),
        "p99_us": round(samples[int(0.99 * len(samples))], 1),
    }


def time_conversation(artifact: Path | None, rounds: int, turns: int = 8) -> dict[str, Any]:
    """A chat's next request: a system message plus `turns` earlier 500-token messages (each a
    different text) and a new user message. `score()` takes the history's entities from its
    memo; the baseline in the same run scans every message, as score() did before the memo."""
    from classifier import Classifier, sensitivity

    clf = Classifier.load(artifact)
    history = [{"role": "system", "content": "You are a helpful assistant."}]
    for turn in range(turns):
        text = f"Turn {turn}: " + _request(500, sensitive=turn % 3 == 0)[1]["content"]
        history.append({"role": "user" if turn % 2 == 0 else "assistant", "content": text})
    request = [*history, {"role": "user", "content": _request(50, False)[1]["content"]}]
    texts = [(i, m["content"]) for i, m in enumerate(request)]
    memo = _percentiles(lambda: clf.score(request), rounds)
    every = _percentiles(
        lambda: (
            sensitivity.entities_of(
                texts, clf.detectors, clf.tagger, clf.featurizer, clf.text_model
            ),
            clf.difficulty(request[-1]["content"], turns + 1),
        ),
        rounds,
    )
    return {
        "messages": len(request),
        "chars": sum(len(t) for _, t in texts),
        "score_with_history_memo": memo,
        "baseline_scan_every_message": every,
        "speedup_p50": round(every["p50_us"] / memo["p50_us"], 1),
    }


def time_load(artifact: Path | None, runs: int = 5) -> dict[str, float]:
    """Seconds for `import classifier; Classifier.load()` in a fresh interpreter."""
    code = (
        "import time; t = time.perf_counter(); from classifier import Classifier; "
        f"Classifier.load({str(artifact)!r} and __import__('pathlib').Path({str(artifact)!r}))"
        "; print(time.perf_counter() - t)"
    ) if artifact else (
        "import time; t = time.perf_counter(); from classifier import Classifier; "
        "Classifier.load(); print(time.perf_counter() - t)"
    )  # fmt: skip
    times = []
    for _ in range(runs):
        run = subprocess.run(
            [sys.executable, "-c", code], check=True, capture_output=True, text=True
        )
        times.append(float(run.stdout))
    return {"best_s": round(min(times), 3), "median_s": round(statistics.median(times), 3)}


def main(argv: list[str] | None = None) -> int:
    """Print the measurements as JSON."""
    parser = argparse.ArgumentParser(description="tiergate classifier latency benchmark")
    parser.add_argument("--artifact", type=Path, default=None)
    parser.add_argument("--rounds", type=int, default=5000)
    args = parser.parse_args(argv)
    from classifier import DEFAULT_ARTIFACT

    path = args.artifact or DEFAULT_ARTIFACT
    report = {
        "load": time_load(args.artifact),
        "artifact_bytes": path.stat().st_size,
        "score": time_score(args.artifact, args.rounds),
        "conversation": time_conversation(args.artifact, max(1, args.rounds // 10)),
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
