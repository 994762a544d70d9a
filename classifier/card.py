"""The model card: what the shipped difficulty head was trained on and how well it ranks.

Each data set's held-out split is scored with RouteLLM's router metrics (`metrics`: APGR,
CPT(50%), CPT(80%), AUC) from the graded weak/strong outcomes, beside the baselines a router
must beat: random, prompt length, and the teacher's own labels. Arena-Hard has only positives,
so it is measured (AUC only) as arena-hard prompts versus the held-out AlpacaEval prompts whose
label is negative. Data files are named with their sha256 so
that a card can be checked against the data it claims.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import math
import os
import platform
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from classifier import datasets, features, metrics
from classifier.difficulty import GatedHead


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _row(result: metrics.RouterMetrics) -> dict[str, float | None]:
    return {"apgr": _round(result.apgr), "cpt50": _round(result.cpt50),
            "cpt80": _round(result.cpt80), "auc": _round(result.auc)}  # fmt: skip


RANDOM = {"apgr": 0.5, "cpt50": 0.5, "cpt80": 0.8, "auc": 0.5}


def evaluate(
    examples: Sequence[datasets.Example], scores: npt.NDArray[np.float64]
) -> dict[str, dict[str, Any]]:
    """Per data set with graded outcomes: APGR, CPT(50%), CPT(80%), AUC of the student, the
    teacher's label, prompt length and a random router (its expectation). Arena-Hard (no
    outcomes) gets AUC only: its prompts against AlpacaEval prompts whose label is < 0.5."""
    by_set: dict[str, list[int]] = {}
    for i, example in enumerate(examples):
        by_set.setdefault(example.dataset, []).append(i)
    report: dict[str, dict[str, Any]] = {}
    for name, rows in sorted(by_set.items()):
        graded = [i for i in rows if not math.isnan(examples[i].weak + examples[i].strong)]
        if name == "arena_hard" or not graded:
            negatives = [i for i in by_set.get("alpacaeval", []) if examples[i].label < 0.5]
            both = rows + negatives
            positive = np.array([i in set(rows) for i in both])
            report[name] = {
                "rows": len(both), "auc_vs_alpacaeval_easy": _round(metrics.auc(scores[both],
                                                                                 positive)),
                "length_auc": _round(metrics.auc(np.array([len(examples[i].text) for i in both],
                                                          dtype=np.float64), positive)),
            }  # fmt: skip
            continue
        weak = np.array([examples[i].weak for i in graded])
        strong = np.array([examples[i].strong for i in graded])

        candidates = {
            "student": scores[graded],
            "teacher": np.array([examples[i].label for i in graded]),
            "length": np.array([float(len(examples[i].text)) for i in graded]),
        }
        report[name] = (
            {"rows": len(graded)}
            | {
                router: _row(metrics.router_metrics(values, weak, strong))
                for router, values in candidates.items()
            }
            | {"random": RANDOM}
        )
    return report


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_card(
    data: Path, seed: int, head: GatedHead, results: dict[str, Any], weights_sha256: str
) -> dict[str, Any]:
    """The card as a JSON-able dict (creation date from SOURCE_DATE_EPOCH when set)."""
    import sklearn

    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    created = (
        datetime.datetime.fromtimestamp(int(epoch), datetime.UTC)
        if epoch
        else datetime.datetime.now(datetime.UTC)
    )
    return {
        "name": "tiergate default difficulty head",
        "created": created.date().isoformat(),
        "task": "P(small model falls short where a strong model succeeds), from the prompt",
        "model": {
            "type": "gated mixture of logistic experts (classifier/difficulty.py), sklearn lbfgs, "
            "served as exported weights",
            "features": f"word uni+bigrams hashed (splitmix64) into 2^{head.n_bits} buckets, "
            f"scaled 1/sqrt(n_grams); dense: {', '.join(features.DENSE_NAMES)}",
            "gate_bits": head.gate_bits,
            "domains": list(head.domains),
            "weights_sha256": weights_sha256,
        },
        "labels": datasets.__doc__,
        "data": {
            name: {"file": file, "sha256": _sha256(data / file)}
            for name, file in datasets.FILES.items()
        },
        "split": {"seed": seed, "test_share": 1 / datasets.TEST_SHARE,
                  "rule": "crc32(f'{seed}:{prompt}') % 5 == 0; dcrouter keeps its own split"},
        "metrics": results,
        "metrics_note": "held-out splits only; cpt50/cpt80 = share of calls to the strong model "
        "needed to recover 50 %/80 % of the quality gap; teacher = the outcome label itself "
        "(an oracle upper bound for outcome data); random = its expectation",
        "versions": {"sklearn": sklearn.__version__, "numpy": np.__version__,
                     "python": platform.python_version()},
        "sensitivity": "rule-based detectors (classifier/detectors.py), not part of this head",
    }  # fmt: skip


def write_card(path: Path, card: dict[str, Any]) -> None:
    """Write the card as stable, sorted JSON."""
    path.write_text(json.dumps(card, indent=2, sort_keys=True) + "\n", encoding="utf-8")
