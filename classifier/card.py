"""The model card: what the shipped difficulty head was trained on and how well it ranks.

Each data set's held-out split is scored with ROC AUC against its binarised label (soft labels
>= 0.5 count as positive) and compared with the simplest baseline a router could use: prompt
length. Arena-Hard has only positives, so it is measured as arena-hard prompts versus the
held-out AlpacaEval prompts whose label is negative. Data files are named with their sha256 so
that a card can be checked against the data it claims.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import platform
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from classifier import datasets, features


def _auc(labels: npt.NDArray[np.float64], scores: npt.NDArray[np.float64]) -> float | None:
    from sklearn.metrics import roc_auc_score

    positives = labels >= 0.5
    if positives.all() or not positives.any():
        return None
    return round(float(roc_auc_score(positives, scores)), 4)


def evaluate(
    examples: Sequence[datasets.Example], scores: npt.NDArray[np.float64]
) -> dict[str, dict[str, Any]]:
    """Per data set: AUC of `scores`, AUC of prompt length, row and positive counts."""
    by_set: dict[str, list[int]] = {}
    for i, example in enumerate(examples):
        by_set.setdefault(example.dataset, []).append(i)
    alpaca_negatives = [i for i in by_set.get("alpacaeval", []) if examples[i].label < 0.5]
    metrics: dict[str, dict[str, Any]] = {}
    for name, rows in sorted(by_set.items()):
        if name == "arena_hard":
            rows = rows + alpaca_negatives
        labels = np.array([examples[i].label for i in rows])
        lengths = np.array([float(len(examples[i].text)) for i in rows])
        result: dict[str, Any] = {
            "rows": len(rows),
            "positives": int((labels >= 0.5).sum()),
            "mean_difficulty": round(float(scores[rows].mean()), 4),
        }
        auc, length_auc = _auc(labels, scores[rows]), _auc(labels, lengths)
        if auc is not None:
            result |= {"auc": auc, "length_baseline_auc": length_auc}
        if name == "arena_hard":
            result["note"] = "arena-hard test prompts vs AlpacaEval test prompts labelled negative"
        metrics[name] = result
    return metrics


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_card(
    data: Path, seed: int, n_bits: int, c: float, metrics: dict[str, Any], weights_sha256: str
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
            "type": "logistic regression (sklearn lbfgs), served as exported weights",
            "features": f"word uni+bigrams hashed (splitmix64) into 2^{n_bits} buckets, "
            f"scaled 1/sqrt(n_grams); dense: {', '.join(features.DENSE_NAMES)}",
            "C": c,
            "weights_sha256": weights_sha256,
        },
        "labels": datasets.__doc__,
        "data": {
            name: {"file": file, "sha256": _sha256(data / file)}
            for name, file in datasets.FILES.items()
        },
        "split": {"seed": seed, "test_share": 1 / datasets.TEST_SHARE,
                  "rule": "crc32(f'{seed}:{prompt}') % 5 == 0; dcrouter keeps its own split"},
        "metrics": metrics,
        "versions": {"sklearn": sklearn.__version__, "numpy": np.__version__,
                     "python": platform.python_version()},
        "sensitivity": "rule-based detectors (classifier/detectors.py), not part of this head",
    }  # fmt: skip


def write_card(path: Path, card: dict[str, Any]) -> None:
    """Write the card as stable, sorted JSON."""
    path.write_text(json.dumps(card, indent=2, sort_keys=True) + "\n", encoding="utf-8")
