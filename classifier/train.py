"""Fit the difficulty head on the offline data and ship it as weights plus a model card.

    python -m classifier.train --data ../shared/offline-data \
        --out classifier/artifacts/default.skops --seed 0

The fitting itself is `gated_fit`. Test splits are only scored, never fitted. Same data and
seed give the same weights (the card records their sha256; the zip container's timestamps
differ).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from classifier import datasets, features
from classifier.artifact import FORMAT, VERSION, save_artifact
from classifier.card import build_card, evaluate, write_card
from classifier.difficulty import GatedHead
from classifier.gated_fit import (
    EXPERT_DEFAULT,
    EXPERT_DESIGNS,
    GATE_PRIOR,
    N_BITS,
    batch_probability,
    build_matrix,
    fit_gated,
)


def save_head(path: Path, head: GatedHead, metadata: dict[str, Any]) -> str:
    """Write the artifact; return the sha256 of its weights (recorded in the card)."""
    content = {"format": FORMAT, "version": VERSION} | head.to_content()
    digest = hashlib.sha256(b"".join(
        np.ascontiguousarray(v).tobytes() for v in content.values() if isinstance(v, np.ndarray)
    )).hexdigest()  # fmt: skip
    content["metadata"] = json.dumps(metadata | {"weights_sha256": digest}, sort_keys=True)
    save_artifact(path, content)
    return digest


def train(data: Path, out: Path, seed: int, n_bits: int = N_BITS) -> dict[str, Any]:
    """Fit on the training splits, evaluate on the held-out ones, save artifact and card."""
    examples = datasets.load_examples(data, seed)
    train_set = [e for e in examples if not e.test]
    test_set = [e for e in examples if e.test]
    featurizer = features.Featurizer(n_bits)
    head = fit_gated(train_set, featurizer, seed, lambda s: print(f"  {s}", file=sys.stderr))
    scores = batch_probability(head, build_matrix(featurizer, [e.text for e in test_set]))
    digest = save_head(out, head, {"seed": seed})
    card = build_card(data, seed, head, evaluate(test_set, scores), digest)
    card["model"]["gate_prior"] = {n: GATE_PRIOR.get(n, 0.0) for n in head.domains}
    card["model"]["experts"] = {
        n: list(EXPERT_DESIGNS.get(n, EXPERT_DEFAULT)) for n in head.domains
    }
    card["train_rows"] = dict(Counter(e.dataset for e in train_set))
    card["test_rows"] = dict(Counter(e.dataset for e in test_set))
    write_card(out.with_name(out.name.removesuffix(".skops") + ".card.json"), card)
    return card


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point; skips (exit 0) with a message when the data is absent."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
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
