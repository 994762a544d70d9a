"""Train the PII token tagger offline and write its artifact.

    python -m classifier.pii_train [--n 12000] [--seed 0] [--out classifier/artifacts/pii.skops]

Data: `pii_data.generate("train", ...)` (Presidio's even templates plus our training templates).
Each word gets the label of the span it overlaps; structured types (cards, e-mails, ...) and
non-sensitive types (places, companies) are `O`, since validated detectors own the former and
the latter are not personal data. scikit-learn fits a multinomial logistic regression on the
same hashed keys the serving path computes (`pii_model.feature_keys`), so serving is the exact
same function of the exported weights; a unit test holds the two equal.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from classifier import features, pii_data, pii_model
from classifier.artifact import FORMAT, VERSION, save_artifact

N_BITS = 17
DEFAULT_OUT = Path(__file__).resolve().parent / "artifacts" / "pii.skops"


def word_labels(featurizer: features.Featurizer, sample: pii_data.Sample) -> np.ndarray:
    """The label index of every word of `sample.text` (0 = O)."""
    data = sample.text.encode("utf-8", "replace")
    _, starts, ends, _ = featurizer.words(data)
    starts = pii_model.char_offsets(sample.text, data, starts)
    ends = pii_model.char_offsets(sample.text, data, ends)
    labels = np.zeros(starts.size, dtype=np.int64)
    for kind, start, end in sample.spans:
        if kind in pii_model.LABELS:
            labels[(starts < end) & (ends > start)] = pii_model.LABELS.index(kind)
    return labels


def build(
    featurizer: features.Featurizer, samples: Sequence[pii_data.Sample], n_bits: int
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Sparse (n_words, 2**n_bits) count matrix and the words' labels."""
    rows, labels = [], []
    for sample in samples:
        keys, _, _ = pii_model.feature_keys(featurizer, n_bits, sample.text.encode("utf-8"))
        rows.append(keys.T)
        labels.append(word_labels(featurizer, sample))
    keys = np.concatenate(rows)
    n_rows = keys.shape[0]
    indptr = np.arange(0, n_rows * pii_model.N_FEATURES + 1, pii_model.N_FEATURES)
    data = np.ones(keys.size)
    matrix = sp.csr_matrix((data, keys.ravel(), indptr), shape=(n_rows, 1 << n_bits))
    matrix.sum_duplicates()
    return matrix, np.concatenate(labels)


def fit(matrix: sp.csr_matrix, labels: np.ndarray, c: float, n_bits: int) -> pii_model.PiiTagger:
    """Multinomial logistic regression, exported as a `PiiTagger`."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, max_iter=300, class_weight=None)
    model.fit(matrix, labels)
    if list(model.classes_) != list(range(len(pii_model.LABELS))):
        raise ValueError(f"training data lacks some labels: {model.classes_}")
    weights = np.ascontiguousarray(model.coef_.T.astype(np.float64))
    return pii_model.PiiTagger(n_bits, weights, model.intercept_.astype(np.float64), 0.5)


def save(path: Path, tagger: pii_model.PiiTagger, metadata: dict[str, Any]) -> None:
    """Write the tagger and its training metadata (a model card in the artifact)."""
    content = {"format": FORMAT, "version": VERSION, **tagger.to_content()}
    content["metadata_json"] = json.dumps(metadata, sort_keys=True)
    save_artifact(path, content)


def train(n: int, seed: int, out: Path, data: Path, c: float = 4.0) -> dict[str, Any]:
    """Generate, fit, save; return the metadata written into the artifact."""
    started = time.perf_counter()
    featurizer = features.Featurizer(N_BITS)
    samples = pii_data.generate("train", n, seed)
    negatives = pii_data.negatives(data)
    samples += negatives
    matrix, labels = build(featurizer, samples, N_BITS)
    tagger = fit(matrix, labels, c, N_BITS)
    metadata = {
        "data": f"pii_data.generate('train', {n}, seed={seed})",
        "negatives": f"{len(negatives)} AlpacaEval/Arena-Hard prompts, all O",
        "words": int(labels.size),
        "label_counts": {lab: int((labels == i).sum()) for i, lab in enumerate(pii_model.LABELS)},
        "C": c, "n_bits": N_BITS, "train_seconds": round(time.perf_counter() - started, 1),
    }  # fmt: skip
    save(out, tagger, metadata)
    return metadata


def main(argv: Sequence[str] | None = None) -> int:
    """Train and print the metadata as JSON."""
    parser = argparse.ArgumentParser(description="Train tiergate's PII token tagger.")
    parser.add_argument("--n", type=int, default=12_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--c", type=float, default=4.0)
    parser.add_argument("--data", type=Path, default=Path("../shared/offline-data"))
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    print(json.dumps(train(args.n, args.seed, args.out, args.data, args.c), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
