"""routing: the cost/quality table of the shipped difficulty head on the offline data's held-out
splits — APGR, CPT(50%), CPT(80%) and AUC per data set, beside the random and prompt-length
baselines (and the outcome label itself, an oracle bound).

A thin wrapper: the split (`classifier.datasets`), the metrics (`classifier.metrics`, RouteLLM's
definitions) and the per-data-set table (`classifier.card.evaluate`) are the classifier's own
code; this suite only scores the held-out prompts through the *served* path
(`Classifier.difficulty`, exported weights, no scikit-learn) and checks the numbers against the
model card shipped with the artifact. Needs `../shared/offline-data`; without it the suite
reports itself unavailable.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.machine import REPO_ROOT

TINY_ROWS = 60  # per data set


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, default=REPO_ROOT.parent / "shared" / "offline-data")
    parser.add_argument("--seed", type=int, default=None, help="split seed (default: the card's)")
    parser.add_argument("--max-rows", type=int, default=0, help="per data set (0 = all)")


def tiny(args: argparse.Namespace) -> None:
    args.max_rows = TINY_ROWS


def config(args: argparse.Namespace) -> dict[str, Any]:
    return {"data": str(args.data), "seed": args.seed, "max_rows": args.max_rows}


def _card() -> dict[str, Any]:
    from classifier import DEFAULT_ARTIFACT

    path = DEFAULT_ARTIFACT.with_name(DEFAULT_ARTIFACT.name.removesuffix(".skops") + ".card.json")
    try:
        card: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return card


def _agreement(ours: dict[str, Any], card: dict[str, Any]) -> dict[str, Any]:
    """Largest absolute difference per data set between this run and the shipped card."""
    out: dict[str, Any] = {}
    for name, row in ours.items():
        theirs = card.get(name)
        if not isinstance(theirs, dict) or "student" not in row or "student" not in theirs:
            continue
        gaps = [
            abs(row["student"][m] - theirs["student"][m])
            for m in row["student"]
            if row["student"][m] is not None and theirs["student"].get(m) is not None
        ]
        out[name] = round(max(gaps), 4) if gaps else None
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    import numpy as np

    from classifier import Classifier, card, datasets

    shipped = _card()
    seed = args.seed if args.seed is not None else shipped.get("split", {}).get("seed", 0)
    args.seed = seed
    try:
        examples = datasets.load_examples(args.data, seed)
    except datasets.DataMissingError as exc:
        return {"unavailable": str(exc)}
    test = [e for e in examples if e.test]
    if args.max_rows:
        kept: dict[str, int] = defaultdict(int)
        sample = []
        for e in test:
            if kept[e.dataset] < args.max_rows:
                kept[e.dataset] += 1
                sample.append(e)
        test = sample
    clf = Classifier.load()
    start = time.perf_counter()
    scores = np.array([clf.difficulty(e.text) for e in test], dtype=np.float64)
    seconds = time.perf_counter() - start
    table = card.evaluate(test, scores)
    return {
        "metric_code": "classifier.card.evaluate + classifier.metrics.router_metrics",
        "scored_rows": len(test),
        "scoring_seconds": round(seconds, 3),
        "tables": table,
        "card_max_abs_diff": _agreement(table, shipped.get("metrics", {})),
        "notes": "held-out splits only; cpt50/cpt80 are shares of calls to the strong model; "
        "teacher = the graded outcome label itself (oracle bound); random = its expectation; "
        "arena_hard has no outcomes: AUC of its prompts against AlpacaEval's easy ones",
    }
