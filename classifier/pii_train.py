"""Train the PII token tagger offline and write its artifact.

    python -m classifier.pii_train [--n 12000] [--seed 0] [--c 1] [--threshold 0.6]
        [--split train|fit] [--validate] [--out classifier/artifacts/pii.skops]

Settings are chosen on a validation split held out by template: `--split fit --validate`
trains without every 5th training template and scores on sentences of those templates
(`pii_train.validate`); the shipped artifact is then trained on `--split train`.

Data: `pii_data.generate("train", ...)` (Presidio's even templates plus our training templates).
Each word gets the label of the span it overlaps; structured types (cards, e-mails, ...) and
non-sensitive types (places, companies) are `O`, since validated detectors own the former and
the latter are not personal data. scikit-learn fits a multinomial logistic regression on the
same hashed keys the serving path computes (`pii_model.feature_keys`), so serving is the exact
same function of the exported weights; a unit test holds the two equal.
"""

from __future__ import annotations

import argparse
import dataclasses
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


def fit(
    matrix: sp.csr_matrix, labels: np.ndarray, c: float, n_bits: int, threshold: float = 0.5
) -> pii_model.PiiTagger:
    """Multinomial logistic regression, exported as a `PiiTagger`."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, max_iter=300, class_weight=None)
    model.fit(matrix, labels)
    if list(model.classes_) != list(range(len(pii_model.LABELS))):
        raise ValueError(f"training data lacks some labels: {model.classes_}")
    weights = np.ascontiguousarray(model.coef_.T.astype(np.float64))
    return pii_model.PiiTagger(n_bits, weights, model.intercept_.astype(np.float64), threshold)


def validate(tagger: pii_model.PiiTagger, n: int = 2000) -> dict[str, Any]:
    """Document-level and per-entity precision/recall of the gateway (detectors + `tagger`)
    on `n` sentences of the validation templates (`pii_data.VAL_SEED`): what every choice of
    data, C, threshold and soft weights is made on. The test set is never read here."""
    from classifier import pii_eval
    from classifier.model import Classifier

    clf = dataclasses.replace(Classifier.load(), tagger=tagger)
    items = [
        (s.text, s.sensitive, [span for span in s.spans if span[0] in pii_eval.DOC_TYPES])
        for s in pii_data.generate("val", n, pii_data.VAL_SEED)
    ]
    return pii_eval.score_set(pii_eval.tiergate_system(clf), items)


def save(path: Path, tagger: pii_model.PiiTagger, metadata: dict[str, Any]) -> None:
    """Write the tagger and its training metadata (a model card in the artifact)."""
    content = {"format": FORMAT, "version": VERSION, **tagger.to_content()}
    content["metadata_json"] = json.dumps(metadata, sort_keys=True)
    save_artifact(path, content)


@dataclasses.dataclass(frozen=True, slots=True)
class TrainConfig:
    """What one training run is made of; `split="fit"` holds the validation templates out."""

    n: int = 12_000
    seed: int = 0
    c: float = 1.0  # chosen on the validation split, as is the threshold
    threshold: float = 0.6
    split: str = "train"


def train(config: TrainConfig, data: Path) -> tuple[pii_model.PiiTagger, dict[str, Any]]:
    """Generate and fit; return the tagger and the metadata to write into its artifact."""
    started = time.perf_counter()
    featurizer = features.Featurizer(N_BITS)
    samples = pii_data.generate(config.split, config.n, config.seed)
    negatives = pii_data.negatives(data)
    samples += negatives
    matrix, labels = build(featurizer, samples, N_BITS)
    tagger = fit(matrix, labels, config.c, N_BITS, config.threshold)
    metadata = {
        "data": f"pii_data.generate({config.split!r}, {config.n}, seed={config.seed})",
        "negatives": f"{len(negatives)} AlpacaEval/Arena-Hard prompts, all O",
        "words": int(labels.size),
        "label_counts": {lab: int((labels == i).sum()) for i, lab in enumerate(pii_model.LABELS)},
        "C": config.c, "threshold": config.threshold, "n_bits": N_BITS,
        "train_seconds": round(time.perf_counter() - started, 1),
    }  # fmt: skip
    return tagger, metadata


def main(argv: Sequence[str] | None = None) -> int:
    """Train, optionally validate, save, and print the metadata as JSON."""
    parser = argparse.ArgumentParser(description="Train tiergate's PII token tagger.")
    defaults = TrainConfig()
    parser.add_argument("--n", type=int, default=defaults.n)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--c", type=float, default=defaults.c)
    parser.add_argument("--threshold", type=float, default=defaults.threshold)
    held_out = "fit: train without the validation templates (for choosing settings)"
    parser.add_argument("--split", choices=("train", "fit"), default=defaults.split, help=held_out)
    parser.add_argument("--validate", action="store_true", help="score on the validation split")
    parser.add_argument("--data", type=Path, default=Path("../shared/offline-data"))
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    config = TrainConfig(args.n, args.seed, args.c, args.threshold, args.split)
    tagger, metadata = train(config, args.data)
    if args.validate:
        metadata["validation"] = validate(tagger)
    save(args.out, tagger, metadata)
    print(json.dumps(metadata, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
