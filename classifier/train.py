"""Fit the difficulty head on the offline data and ship it as weights plus a model card.

    python -m classifier.train --data /work/shared/offline-data \
        --out classifier/artifacts/default.skops --seed 0

Scikit-learn's LogisticRegression (lbfgs, deterministic) is fitted on the features of
`features.Featurizer`; its coefficients are exported to a `LinearHead` and served without
sklearn. Soft labels p are fitted as two weighted rows (label 1 with weight p, label 0 with
weight 1 - p), which minimises the same cross-entropy. Each data set's total weight is capped
so MMLU's 11k prompts do not drown the others. C is chosen on a validation split carved out of
the training split; test splits are only scored, never fitted. Re-running with the same data
and seed gives the same weights (the card records their sha256; the zip container's
timestamps differ).
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.linear_model import LogisticRegression

from classifier import datasets, features
from classifier.artifact import LinearHead, save_head
from classifier.card import build_card, evaluate, write_card

N_BITS = 18
DATASET_WEIGHT_CAP = 3000.0
C_GRID = (0.5, 2.0, 8.0)


def build_matrix(featurizer: features.Featurizer, texts: Sequence[str]) -> sp.csr_matrix:
    """Feature rows for `texts` (one turn each), columns = hashed buckets then dense features."""
    n_hashed = 1 << featurizer.n_bits
    data: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    indptr = [0]
    for text in texts:
        idx = featurizer.indices(text)
        hashed = np.full(idx.size, 1.0 / np.sqrt(idx.size)) if idx.size else np.zeros(0)
        dense = np.asarray(features.dense_features(text, 1), dtype=np.float64)
        cols += [idx, n_hashed + np.arange(dense.size)]
        data += [hashed, dense]
        indptr.append(indptr[-1] + idx.size + dense.size)
    shape = (len(texts), n_hashed + len(features.DENSE_NAMES))
    matrix = sp.csr_matrix((np.concatenate(data), np.concatenate(cols), indptr), shape=shape)
    matrix.sum_duplicates()  # repeated n-grams add up, exactly like the lean scorer's sum
    return matrix


def fit_head(
    matrix: sp.csr_matrix, labels: np.ndarray, weights: np.ndarray, c: float
) -> LogisticRegression:
    """Fit a logistic regression on soft labels in [0, 1] with per-row weights."""
    rows = np.concatenate([np.arange(len(labels))] * 2)
    y = np.concatenate([np.ones(len(labels)), np.zeros(len(labels))])
    w = np.concatenate([weights * labels, weights * (1.0 - labels)])
    keep = w > 0
    model = LogisticRegression(C=c, solver="lbfgs", max_iter=2000, tol=1e-6)
    model.fit(matrix[rows[keep]], y[keep], sample_weight=w[keep])
    return model


def export_head(model: LogisticRegression, n_bits: int) -> LinearHead:
    """The fitted coefficients as a `LinearHead` for the lean scorer."""
    coef = np.asarray(model.coef_, dtype=np.float64).ravel()
    return LinearHead(
        weights=coef[: 1 << n_bits].copy(),
        dense_weights=coef[1 << n_bits :].copy(),
        intercept=float(model.intercept_[0]),
    )


def dataset_weights(examples: Sequence[datasets.Example]) -> np.ndarray:
    """Per-row weights capping each data set's total at `DATASET_WEIGHT_CAP`."""
    counts = Counter(e.dataset for e in examples)
    return np.array([min(1.0, DATASET_WEIGHT_CAP / counts[e.dataset]) for e in examples])


def _select_c(featurizer: features.Featurizer, train: list[datasets.Example], seed: int) -> float:
    fit = [e for e in train if not datasets.is_test(e.text, seed + 1)]
    val = [e for e in train if datasets.is_test(e.text, seed + 1)]
    matrix, val_matrix = build_matrix(featurizer, [e.text for e in fit]), None
    val_matrix = build_matrix(featurizer, [e.text for e in val])
    labels = np.array([e.label for e in fit])
    best, best_auc = C_GRID[0], -1.0
    for c in C_GRID:
        model = fit_head(matrix, labels, dataset_weights(fit), c)
        scores = model.predict_proba(val_matrix)[:, 1]
        auc = float(np.mean([m["auc"] for m in evaluate(val, scores).values() if "auc" in m]))
        print(f"  C={c:g}: mean validation AUC {auc:.4f}", file=sys.stderr)
        if auc > best_auc:
            best, best_auc = c, auc
    return best


def train(data: Path, out: Path, seed: int, n_bits: int = N_BITS) -> dict[str, Any]:
    """Fit, evaluate on the held-out splits, save the artifact and its card; return the card."""
    examples = datasets.load_examples(data, seed)
    train_set = [e for e in examples if not e.test]
    test_set = [e for e in examples if e.test]
    featurizer = features.Featurizer(n_bits)
    c = _select_c(featurizer, train_set, seed)
    matrix = build_matrix(featurizer, [e.text for e in train_set])
    labels = np.array([e.label for e in train_set])
    model = fit_head(matrix, labels, dataset_weights(train_set), c)
    head = export_head(model, n_bits)
    scores = model.predict_proba(build_matrix(featurizer, [e.text for e in test_set]))[:, 1]
    digest = hashlib.sha256(head.weights.tobytes() + head.dense_weights.tobytes()).hexdigest()
    card = build_card(data, seed, n_bits, c, evaluate(test_set, scores), digest)
    card["train_rows"] = dict(Counter(e.dataset for e in train_set))
    card["test_rows"] = dict(Counter(e.dataset for e in test_set))
    save_head(out, head, n_bits, {"seed": seed, "C": c, "weights_sha256": digest})
    write_card(out.with_name(out.name.removesuffix(".skops") + ".card.json"), card)
    return card


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; skips (exit 0) with a message when the data is absent."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/offline-data"))
    parser.add_argument("--out", type=Path, default=Path("classifier/artifacts/default.skops"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--n-bits", type=int, default=N_BITS)
    args = parser.parse_args(argv)
    try:
        card = train(args.data, args.out, args.seed, args.n_bits)
    except datasets.DataMissingError as exc:
        print(f"skipping training: {exc}", file=sys.stderr)
        return 0
    for name, metrics in card["metrics"].items():
        print(f"{name:>12}: {metrics}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
