"""Bodies of `tiergate calibrate`, `eval` and `distill` (the lead wires them into the CLI).

Each takes its own argv and returns an exit code, so it can be tested in-process:

    tiergate calibrate --frontier-share 0.2 [--prompts FILE] [--artifact PATH] [--data DIR]
    tiergate eval [--data DIR] [--artifact PATH] [--steps 10] [--rounds 1000]
    tiergate distill --prompts FILE[,FILE] --teacher outcome|embedding|judge --work-dir DIR
        --out PATH [--seed 0] [--limit N] [--export] [judge options]  (see `distill`)

Without `--prompts`, calibration uses the prompts of the offline data's training splits; eval
always reports on the held-out splits (the data the shipped artifact was not fitted on).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from classifier import calibrate, datasets, metrics, prompts
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


def _apgr_line(scores: np.ndarray, texts: list[str], weak: np.ndarray, strong: np.ndarray,
               rounds: int) -> str:  # fmt: skip
    """APGR with its 95 % bootstrap interval, and the lead over prompt length with its own."""
    length = np.array([len(text) for text in texts], dtype=np.float64)
    apgr = metrics.router_metrics(scores, weak, strong).apgr
    by_length = metrics.router_metrics(length, weak, strong).apgr
    ci = metrics.bootstrap_apgr(scores, length, weak, strong, rounds)
    return (f"APGR {apgr:.3f} (95 % CI {ci.low:.3f}-{ci.high:.3f}); prompt length "
            f"{by_length:.3f}; lead over length {apgr - by_length:+.3f} "
            f"(95 % CI {ci.lead_low:+.3f} to {ci.lead_high:+.3f})")  # fmt: skip


def eval_main(argv: Sequence[str] | None = None) -> int:
    """Print, per held-out data set, APGR with bootstrap intervals, and quality and frontier
    share over a threshold sweep."""
    parser = argparse.ArgumentParser(prog="tiergate eval", description="threshold sweep")
    parser.add_argument("--steps", type=int, default=10, help="sweep points (shares 0..1)")
    parser.add_argument("--rounds", type=int, default=1000, help="bootstrap resamples (0: none)")
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
        if args.rounds > 0:
            print(_apgr_line(scores, [e.text for e in rows], weak, strong, args.rounds))
        print(f"{'threshold':>10} {'frontier':>9} {'quality':>8} {'PGR':>7}")
        print("\n".join(_sweep_rows(scores, weak, strong, args.steps)))
    return 0


EXIT_INCOMPLETE = 75  # EX_TEMPFAIL: labelling stopped early; the same command resumes it


def _distill_parser() -> argparse.ArgumentParser:
    from classifier import distill  # imports scikit-learn: only when distilling
    from classifier.gated_fit import N_BITS

    p = argparse.ArgumentParser(prog="tiergate distill", description=distill.__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    p.add_argument("--prompts", required=True, help="comma-separated JSONL/CSV/decision logs")
    p.add_argument("--teacher", required=True, choices=distill.TEACHERS)
    p.add_argument("--work-dir", type=Path, required=True, help="stage files and manifest")
    p.add_argument("--out", type=Path, required=True, help="where to write the student .skops")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--limit", type=int, default=None, help="label at most N prompts, then stop")
    p.add_argument("--export", action="store_true", help="also install as the package default")
    p.add_argument("--data", type=Path, default=_DATA, help="offline data folder")
    p.add_argument("--teacher-data", type=Path, help="JSONL with prompt + label (+ weak/strong)")
    p.add_argument("--eval-data", type=Path, help="JSONL with prompt + weak + strong outcomes")
    p.add_argument("--max-per-set", type=int, default=2000, help="offline rows per data set")
    p.add_argument("--n-bits", type=int, default=N_BITS, help="n-gram buckets")
    p.add_argument("--k", type=int, default=25, help="neighbours of the embedding teacher")
    p.add_argument("--cache-dir", type=Path, help="embedding / judge caches (default: work dir)")
    p.add_argument("--judge-base-url", help="OpenAI-compatible base URL (ends in /v1)")
    p.add_argument("--judge-model", help="model name sent to the judge")
    p.add_argument("--judge-api-key-env", help="environment variable holding the judge's key")
    p.add_argument("--concurrency", type=int, default=4, help="judge requests in flight")
    return p


def distill_main(argv: Sequence[str] | None = None) -> int:
    """Run or resume the distillation pipeline; print its summary as JSON on stdout.

    Exit codes: 0 done, 1 error, 2 usage, 75 labelling incomplete (re-run to resume)."""
    from classifier import distill
    from classifier.judge import JudgeConfig

    parser = _distill_parser()
    args = parser.parse_args(argv)
    judge = None
    if args.teacher == "judge":
        if not (args.judge_base_url and args.judge_model):
            parser.error("--teacher judge needs --judge-base-url and --judge-model")
        key = os.environ.get(args.judge_api_key_env) if args.judge_api_key_env else None
        if args.judge_api_key_env and not key:
            parser.error(f"environment variable {args.judge_api_key_env} is not set")
        judge = JudgeConfig(args.judge_base_url, args.judge_model, key, max(args.concurrency, 1))
    config = distill.DistillConfig(
        prompts=tuple(Path(p) for p in args.prompts.split(",") if p),
        teacher=args.teacher, work_dir=args.work_dir, out=args.out, seed=args.seed,
        limit=args.limit, data=args.data, teacher_data=args.teacher_data,
        eval_data=args.eval_data, max_per_set=args.max_per_set, n_bits=args.n_bits, k=args.k,
        judge=judge, cache_dir=args.cache_dir, export=args.export,
    )  # fmt: skip
    try:
        summary = distill.run(config)
    except distill.IncompleteError as exc:
        print(f"tiergate distill: {exc}", file=sys.stderr)
        return EXIT_INCOMPLETE
    except KeyboardInterrupt:
        print("tiergate distill: interrupted; re-run the same command to resume", file=sys.stderr)
        return 130
    except (distill.DistillError, datasets.DataMissingError, OSError, ValueError) as exc:
        print(f"tiergate distill: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(summary, indent=2, sort_keys=True))
    return 0
