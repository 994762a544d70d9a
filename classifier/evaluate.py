"""Evaluate the detectors on the offline PII and secrets sets, and time `Classifier.score`.

    python -m classifier.evaluate --data /work/shared/offline-data

These files are evaluation sets: the rules were not fitted to them, and they should not be.
- pii_syn_nano_en.json: text-level (any entity / sensitive vs `has_pii`) and, per labelled
  type that we detect, the share of gold entity strings covered by a detected span.
- detect_secrets_plugin_cases.csv: per plugin, did we flag the text (a SECRET entity, or an
  IP_ADDRESS for the `ip_public` plugin) versus `should_flag`.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from classifier.model import Classifier

# Gold label -> our entity type, for the labels we claim to detect.
_PII_TYPES = {
    "EMAIL": "EMAIL", "SSN": "US_SSN", "CREDIT_CARD": "CREDIT_CARD", "IBAN": "IBAN",
    "PHONE": "PHONE_NUMBER", "PASSWORD": "SECRET", "PERSON": "PERSON",
}  # fmt: skip


def _precision_recall(tp: int, fp: int, fn: int) -> dict[str, Any]:
    return {
        "precision": round(tp / (tp + fp), 3) if tp + fp else None,
        "recall": round(tp / (tp + fn), 3) if tp + fn else None,
        "tp": tp, "fp": fp, "fn": fn,
    }  # fmt: skip


def evaluate_pii(clf: Classifier, path: Path) -> dict[str, Any]:
    """Text-level detection and per-type entity recall on the synthetic PII set."""
    rows = json.loads(path.read_text(encoding="utf-8"))
    counts: Counter[str] = Counter()
    hits: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    for row in rows:
        text, gold = row["text"], bool(row["has_pii"])
        scores = clf.score_text(text)
        flagged = scores.sensitivity >= 0.5 or scores.hard_entity
        counts[("tp" if gold else "fp") if flagged else ("fn" if gold else "tn")] += 1
        for entity in row["NER"]:
            value, ours = entity.get("entity"), _PII_TYPES.get(entity.get("label", ""))
            if not isinstance(value, str) or ours is None or value not in text:
                continue
            start = text.index(value)
            totals[ours] += 1
            hits[ours] += any(
                e.type == ours and e.start < start + len(value) and e.end > start
                for e in scores.entities
            )
    per_type = {t: f"{hits[t]}/{totals[t]} = {hits[t] / totals[t]:.2f}" for t in sorted(totals)}
    text_level = _precision_recall(counts["tp"], counts["fp"], counts["fn"])
    return {"sensitive_vs_has_pii": text_level, "entity_recall": per_type}


def evaluate_secrets(clf: Classifier, path: Path) -> dict[str, Any]:
    """Flag / no-flag agreement with detect-secrets' plugin test cases."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    overall: Counter[str] = Counter()
    misses: list[str] = []
    for row in rows:
        wanted = "IP_ADDRESS" if row["plugin"] == "ip_public" else "SECRET"
        flagged = any(e.type == wanted for e in clf.score_text(row["text"]).entities)
        gold = row["should_flag"] == "1"
        overall[("tp" if gold else "fp") if flagged else ("fn" if gold else "tn")] += 1
        if flagged != gold:
            misses.append(f"{'FP' if flagged else 'FN'} {row['plugin']}: {row['text'][:60]}")
    result = _precision_recall(overall["tp"], overall["fp"], overall["fn"])
    return result | {"errors": misses}


def time_score(clf: Classifier, n_tokens: int = 500, rounds: int = 2000) -> dict[str, float]:
    """Latency of `score()` on a ~n_tokens chat request (system + user), in microseconds."""
    sentence = (
        "explain how the gradient of the loss changes when we double the learning rate "
        "and compare Adam with SGD on sparse features, 3.5x faster?"
    )
    words = sentence.split(" ")
    prompt = " ".join(words[i % len(words)] for i in range(int(n_tokens * 0.75)))
    request = [{"role": "system", "content": "You are a helpful assistant."},
               {"role": "user", "content": prompt}]  # fmt: skip
    for _ in range(100):
        clf.score(request)
    samples = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        clf.score(request)
        samples.append((time.perf_counter_ns() - start) / 1000)
    samples.sort()
    return {"chars": len(prompt), "p50_us": round(statistics.median(samples), 1),
            "p99_us": round(samples[int(0.99 * len(samples))], 1)}  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    """Print detector metrics and latency as JSON."""
    parser = argparse.ArgumentParser(description="Evaluate tiergate's classifier offline.")
    parser.add_argument("--data", type=Path, default=Path("../shared/offline-data"))
    parser.add_argument("--artifact", type=Path, default=None)
    args = parser.parse_args(argv)
    clf = Classifier.load(args.artifact)
    report: dict[str, Any] = {"latency": time_score(clf)}
    pii, secrets = args.data / "pii_syn_nano_en.json", args.data / "detect_secrets_plugin_cases.csv"
    if pii.is_file() and secrets.is_file():
        report["pii_syn_nano_en"] = evaluate_pii(clf, pii)
        report["detect_secrets"] = evaluate_secrets(clf, secrets)
    else:
        print(f"skipping detector evaluation: data not found in {args.data}", file=sys.stderr)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
