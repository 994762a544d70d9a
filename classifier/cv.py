"""Cross-validated APGR of the difficulty recipe on the training rows only.

Every design choice of the difficulty head (features, gate, domain heads, C, the gate prior)
was made on these numbers, never on the held-out splits that docs/classifier.md reports. Each
training row is assigned to one of `FOLDS` folds by `crc32(f"{seed}:cv:{prompt}")`; for each
fold the whole recipe (`gated_fit.fit_gated`: base, gate, domain heads, experts) is refitted
on the other folds and scores that fold's rows, and the pooled out-of-fold scores give each
data set's APGR beside prompt length's. `python -m classifier.cv` reproduces the "CV" rows of
docs/classifier.md (about 20 minutes on one core); an experiment changes the recipe and runs
it again.
"""

from __future__ import annotations

import argparse
import sys
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from classifier import card, datasets, features, gated_fit

FOLDS = 5


def fold_of(text: str, seed: int) -> int:
    """The CV fold of a training prompt (a duplicate prompt always lands in the same fold)."""
    return zlib.crc32(f"{seed}:cv:{text}".encode()) % FOLDS


def out_of_fold(
    examples: Sequence[datasets.Example], seed: int, n_bits: int = gated_fit.N_BITS
) -> np.ndarray:
    """Each example's score from the recipe fitted on the folds it is not in."""
    featurizer = features.Featurizer(n_bits)
    matrix = gated_fit.build_matrix(featurizer, [e.text for e in examples])
    folds = np.array([fold_of(e.text, seed) for e in examples])
    scores = np.zeros(len(examples))
    for k in range(FOLDS):
        print(f"  fold {k + 1}/{FOLDS}", file=sys.stderr, flush=True)
        fitted = [e for e, f in zip(examples, folds, strict=True) if f != k]
        held = np.flatnonzero(folds == k)
        head = gated_fit.fit_gated(fitted, featurizer, seed)
        scores[held] = gated_fit.batch_probability(head, matrix[held])
    return scores


def apgr_by_set(
    examples: Sequence[datasets.Example], scores: np.ndarray
) -> dict[str, dict[str, float]]:
    """Per data set with graded outcomes: the scores' APGR and prompt length's (read off the
    model card's evaluation, `card.evaluate`)."""
    return {
        name: {"rows": row["rows"], "apgr": row["student"]["apgr"],
               "length_apgr": row["length"]["apgr"]}
        for name, row in card.evaluate(examples, scores).items()
        if "student" in row
    }  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; skips (exit 0) with a message when the data is absent."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path("../shared/offline-data"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    try:
        examples = datasets.load_examples(args.data, args.seed)
    except datasets.DataMissingError as exc:
        print(f"skipping cross-validation: {exc}", file=sys.stderr)
        return 0
    training = [e for e in examples if not e.test]
    for name, row in apgr_by_set(training, out_of_fold(training, args.seed)).items():
        print(f"{name:>12}: {row}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
