"""Teachers for distillation: whatever turns a prompt into P(the small tier falls short).

A teacher labels prompts in batches; the pipeline appends each batch to a label file as soon as
it is back, so an interrupted run loses at most one batch. Every teacher names itself with a
`fingerprint` (its kind, model, data and settings): labels written under another fingerprint
are discarded, labels under the same one are reused, so a re-run only labels what is missing.

Three kinds (the pipeline picks one with `--teacher`):
- `OutcomeTeacher`: graded outcome data (a weak and a strong model both answered). The label of
  a prompt is looked up by its text; prompts without an outcome get no label. On held-out data
  it is an oracle, so its evaluation row is an upper bound, not a competitor.
- `embed_teacher.EmbeddingTeacher`: sentence embeddings with a kNN head fitted on outcome data.
- `judge.JudgeTeacher`: any OpenAI-compatible LLM asked for a probability.

Labelled inputs (`LabelledPrompt`) come from the offline data folder's splits or from a JSONL
file with a prompt (`messages`, `prompt` or `text`), `label`, and optionally `weak`, `strong`
(graded outcomes in [0, 1], needed for the router metrics) and `dataset`.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from classifier import datasets, prompts


def prompt_id(text: str, turns: int = 1) -> str:
    """Stable id of a prompt: the same text and turn count is one prompt, whatever its file."""
    return hashlib.sha256(f"{turns}\0{text}".encode()).hexdigest()[:20]


@dataclass(frozen=True, slots=True)
class Prompt:
    """One prompt to label: id, text of the last user turn, turn count and its data set name."""

    id: str
    text: str
    turns: int = 1
    dataset: str = "prompts"


@dataclass(frozen=True, slots=True)
class LabelledPrompt:
    """A prompt with an outcome label and, when graded, both models' outcomes."""

    prompt: Prompt
    label: float
    weak: float = math.nan
    strong: float = math.nan


class Teacher(Protocol):
    """Anything that labels prompts with soft labels in [0, 1]."""

    name: str

    def fingerprint(self) -> str:
        """Identity of the labels this teacher gives (changes invalidate stored labels)."""
        ...

    def label_batches(self, batch: Sequence[Prompt]) -> Iterator[dict[str, float]]:
        """Label `batch`, yielding {prompt id: label} chunks as they finish. NaN means "this
        teacher has no label for it" (recorded, not retried); prompts that failed are left out,
        so a later run retries them."""
        ...


def _float(value: object) -> float:
    return float(value) if isinstance(value, int | float | str) and value != "" else math.nan


def read_labelled(path: Path) -> list[LabelledPrompt]:
    """Labelled prompts from a JSONL file (see the module docstring for the fields)."""
    rows: list[LabelledPrompt] = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line) if line.strip() else None
            found = prompts.prompt_of(record)
            if found is None or not isinstance(record, dict):
                continue
            text, turns = found
            weak, strong = _float(record.get("weak")), _float(record.get("strong"))
            label = _float(record.get("label"))
            if math.isnan(label) and not math.isnan(weak + strong):
                label = float(strong > weak)
            if math.isnan(label):
                continue
            dataset = str(record.get("dataset") or path.stem)
            prompt = Prompt(prompt_id(text, turns), text, turns, dataset)
            rows.append(LabelledPrompt(prompt, min(max(label, 0.0), 1.0), weak, strong))
    return rows


def from_examples(examples: Iterable[datasets.Example]) -> list[LabelledPrompt]:
    """Offline-data examples as labelled prompts (one turn each)."""
    return [
        LabelledPrompt(Prompt(prompt_id(e.text), e.text, 1, e.dataset), e.label, e.weak, e.strong)
        for e in examples
    ]


def cap_per_set(rows: Sequence[LabelledPrompt], cap: int, seed: int) -> list[LabelledPrompt]:
    """At most `cap` rows per data set, a seeded sample (order kept); cap <= 0 keeps all."""
    if cap <= 0:
        return list(rows)
    keep: set[int] = set()
    for name in sorted({r.prompt.dataset for r in rows}):
        members = [i for i, r in enumerate(rows) if r.prompt.dataset == name]
        keep.update(random.Random(f"{seed}:{name}").sample(members, min(cap, len(members))))
    return [r for i, r in enumerate(rows) if i in keep]


def digest_rows(rows: Sequence[LabelledPrompt]) -> str:
    """sha256 over ids and labels: the identity of a labelled set."""
    h = hashlib.sha256()
    for row in rows:
        h.update(f"{row.prompt.id}:{row.label!r}:{row.weak!r}:{row.strong!r}\n".encode())
    return h.hexdigest()


class OutcomeTeacher:
    """Labels a prompt with its graded outcome label, looked up by prompt id."""

    name = "outcome"

    def __init__(self, rows: Sequence[LabelledPrompt]) -> None:
        self._labels = {r.prompt.id: r.label for r in rows}
        self._digest = digest_rows(rows)

    def fingerprint(self) -> str:
        return f"outcome:{self._digest}"

    def label_batches(self, batch: Sequence[Prompt]) -> Iterator[dict[str, float]]:
        yield {p.id: self._labels.get(p.id, math.nan) for p in batch}
