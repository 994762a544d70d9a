"""Bodies of `tiergate calibrate` and `tiergate eval` (the lead wires them into the CLI).

Each takes its own argv and returns an exit code, so it can be tested in-process:

    tiergate calibrate --frontier-share 0.2 [--prompts FILE] [--artifact PATH] [--data DIR]
    tiergate eval [--data DIR] [--artifact PATH] [--steps 10]

Without `--prompts`, calibration uses the prompts of the offline data's training splits; eval
always reports on the held-out splits (the data the shipped artifact was not fitted on).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from classifier import calibrate, datasets, prompts
from classifier.model import Classifier

_DATA = Path("../shared/offline-data")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--artifact", type=Path, default=None, help="default: the shipped one")
    parser.add_argument("--data", type=Path, default=_DATA, help="offline data folder")
    parser.add_argument("--seed", type=int, default=0, help="split seed of the artifact")


def calibrate_main(argv: Sequence[str] | None = None) -> int:
    """Print the difficulty threshold that sends `--frontier-share` of the prompts onward."""
    parser = argparse.ArgumentParser(prog="tiergate calibrate", description=calibrate.__doc__)
    parser.add_argument("--frontier-share", type=float, required=True)
    parser.add_argument("--prompts", type=Path, default=None, help="JSONL or CSV of prompts")
    _common(parser)
    args = parser.parse_args(argv)
    if not 0.0 <= args.frontier_share <= 1.0:
        parser.error("--frontier-share must be in [0, 1]")
    clf = Classifier.load(args.artifact)
    try:
        if args.prompts is not None:
            pairs = list(prompts.read_prompts(args.prompts))
        else:
            pairs = [
                (e.text, 1) for e in datasets.load_examples(args.data, args.seed) if not e.test
            ]
    except (OSError, ValueError, datasets.DataMissingError) as exc:
        print(f"tiergate calibrate: {exc}", file=sys.stderr)
        return 1
    if not pairs:
        print("tiergate calibrate: no prompts found", file=sys.stderr)
        return 1
    scores = [clf.difficulty(text, turns) for text, turns in pairs]
    threshold = calibrate.threshold_for_share(scores, args.frontier_share)
    result = {
        "thresholds": {"difficulty": round(threshold, 6)},
        "frontier_share": round(calibrate.share_at(scores, threshold), 4),
        "prompts": len(scores),
    }
    print(json.dumps(result))
    return 0


def _sweep_rows(scores: np.ndarray, weak: np.ndarray, strong: np.ndarray, steps: int) -> list[str]:
    gap = float(strong.mean() - weak.mean())
    rows = []
    for step in range(steps + 1):
        share = step / steps
        threshold = calibrate.threshold_for_share(scores.tolist(), share)
        routed = scores >= threshold
        quality = float(np.where(routed, strong, weak).mean())
        pgr = (quality - weak.mean()) / gap if abs(gap) > 1e-12 else float("nan")
        rows.append(f"{threshold:>10.4f} {routed.mean():>9.1%} {quality:>8.3f} {pgr:>7.3f}")
    return rows


def eval_main(argv: Sequence[str] | None = None) -> int:
    """Print, per held-out data set, quality and frontier share over a threshold sweep."""
    parser = argparse.ArgumentParser(prog="tiergate eval", description="threshold sweep")
    parser.add_argument("--steps", type=int, default=10, help="sweep points (shares 0..1)")
    _common(parser)
    args = parser.parse_args(argv)
    try:
        examples = [e for e in datasets.load_examples(args.data, args.seed) if e.test]
    except datasets.DataMissingError as exc:
        print(f"tiergate eval: {exc}", file=sys.stderr)
        return 1
    clf = Classifier.load(args.artifact)
    for name in sorted({e.dataset for e in examples}):
        rows = [e for e in examples if e.dataset == name and not np.isnan(e.weak + e.strong)]
        if not rows:
            continue
        scores = np.array([clf.difficulty(e.text) for e in rows])
        weak, strong = np.array([e.weak for e in rows]), np.array([e.strong for e in rows])
        print(f"\n{name} ({len(rows)} held-out prompts; weak {weak.mean():.3f}, "
              f"strong {strong.mean():.3f})")  # fmt: skip
        print(f"{'threshold':>10} {'frontier':>9} {'quality':>8} {'PGR':>7}")
        print("\n".join(_sweep_rows(scores, weak, strong, args.steps)))
    return 0
