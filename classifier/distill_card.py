"""The model card of a distilled student: its data, teacher, metrics and versions.

Metrics come from `card.evaluate` (RouteLLM's APGR, CPT(50%), CPT(80%), AUC per data set,
computed by `metrics`), with the teacher's own held-out scores in the `teacher` row, so the
card shows the student beside the teacher it imitates, prompt length and random. Every input
file is named with its sha256, and the held-out and teacher sets with a digest of their ids and
labels, so the card can be checked against what it claims. The card is written as
`<artifact stem>.card.json` beside each exported artifact.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
from collections import Counter
from collections.abc import Mapping, Sequence
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from classifier import card, datasets
from classifier.artifact import FORMAT, VERSION
from classifier.teachers import LabelledPrompt, digest_rows

if TYPE_CHECKING:
    from classifier.distill import DistillConfig


def card_path_for(artifact: Path) -> Path:
    """`x.skops` -> `x.card.json` (beside the artifact)."""
    return artifact.with_name(artifact.name.removesuffix(".skops") + ".card.json")


def metadata_of(content: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON metadata stored inside an artifact (empty when absent or malformed)."""
    try:
        loaded = json.loads(str(content.get("metadata", "{}")))
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def _created() -> str:
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    now = (
        datetime.datetime.fromtimestamp(int(epoch), datetime.UTC)
        if epoch
        else datetime.datetime.now(datetime.UTC)
    )
    return now.date().isoformat()


def build(
    config: DistillConfig,
    inputs: Sequence[tuple[str, str]],
    teacher: str,
    held: Sequence[LabelledPrompt],
    teacher_scores: Mapping[str, float],
    student_scores: Sequence[float],
) -> dict[str, Any]:
    """The card as a JSON-able dict (creation date from SOURCE_DATE_EPOCH when set)."""
    examples = [
        datasets.Example(r.prompt.dataset, r.prompt.text, teacher_scores[r.prompt.id], True,
                         r.weak, r.strong)
        for r in held
    ]  # fmt: skip
    results = card.evaluate(examples, np.asarray(student_scores, dtype=np.float64))
    return {
        "name": "tiergate distilled difficulty head",
        "created": _created(),
        "version": {
            "tiergate": _version("tiergate"),
            "artifact_format": FORMAT,
            "artifact_version": VERSION,
        },
        "task": "P(small model falls short where a strong model succeeds), from the prompt",
        "teacher": {"kind": config.teacher, "fingerprint": teacher},
        "data": {
            "prompts": [{"file": name, "sha256": digest} for name, digest in inputs],
            "teacher_data": str(config.teacher_data or config.data),
            "held_out": {
                "source": str(config.eval_data or config.data),
                "rows": dict(Counter(r.prompt.dataset for r in held)),
                "digest": digest_rows(held),
            },
            "seed": config.seed,
            "max_per_set": config.max_per_set,
        },
        "metrics": results,
        "metrics_note": "held-out graded prompts only; student = this artifact; teacher = the "
        "teacher's own scores on the same prompts (for the outcome teacher: the outcome label, "
        "an oracle upper bound); length = prompt length; random = its expectation; cpt50/cpt80 "
        "= share of calls to the strong model needed to recover 50 %/80 % of the quality gap",
        "versions": {name: _version(name) for name in ("scikit-learn", "numpy", "onnxruntime")}
        | {"python": platform.python_version()},
    }


def write(path: Path, content: dict[str, Any]) -> None:
    """Write the card as stable, sorted JSON (NaN written as null)."""
    clean = json.loads(json.dumps(content, default=str), parse_constant=lambda _: None)
    path.write_text(json.dumps(clean, indent=2, sort_keys=True) + "\n", encoding="utf-8")
