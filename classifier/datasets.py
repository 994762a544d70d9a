"""Offline training data for the difficulty head, read in place from the shared data folder.

The label everywhere is "the small model falls short where a strong one succeeds", the
quantity the router needs (a prompt both get wrong gains nothing from the frontier):

- RouteLLM MMLU / GSM8K (weak Mixtral-8x7B, strong GPT-4): hard label
  `weak_correct == 0 and strong_correct == 1` (RouteLLM's own definition of a strong win).
- LLMRouter dcrouter: soft label `best(nemotron-51b, nemotron-49b) * (1 - mean(qwen2.5-7b,
  llama-3.1-8b, gemma-2-9b, mistral-7b))`; the file's own train/test split is kept.
- AlpacaEval 1 and 2 (same 805 prompts, merged into one set): the mean of (a) the share of
  small models (alpaca-7b, falcon-7b, phi-2, minichat-3b) that lose to davinci-003 where GPT-4
  Turbo wins, and (b) the mean judge preference of GPT-4 Turbo over small models (gemma-2b,
  Llama-3.2-1B/3B, phi-2) in AlpacaEval 2. The `NullModel` and `gpt4_gamed` columns are unused.
- Arena-Hard: every prompt labelled 1 ("needs the frontier" by construction).

The test split is chosen by a seeded CRC32 of the prompt text (20 %), not by row order, so a
prompt that appears in two files always lands on the same side. dcrouter keeps its own split and
holds 284 GSM8K and about 30 MMLU questions (with a "put you final answer in \\boxed{}" line
appended, or without the answer choices), so a training row that repeats a held-out prompt of
another data set is dropped (`decontaminate`). Nothing is copied anywhere.
"""

from __future__ import annotations

import csv
import gzip
import json
import math
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

TEST_SHARE = 5  # one prompt in five is held out
FILES = {
    "mmlu": "routellm_mmlu_weak_strong.csv.gz",
    "gsm8k": "routellm_gsm8k_weak_strong.csv.gz",
    "dcrouter": "llmrouter_dcrouter_9models.csv.gz",
    "alpacaeval1": "alpacaeval1_gpt4judge_vs_davinci003.csv.gz",
    "alpacaeval2": "alpacaeval2_weighted_vs_gpt4turbo.csv.gz",
    "arena_hard": "arena_hard_v0.1_question.jsonl",
}
_DC_SMALL = ("qwen2.5-7b-instruct", "llama-3.1-8b-instruct", "gemma-2-9b-it",
             "mistral-7b-instruct-v0.3")  # fmt: skip
_DC_LARGE = ("llama-3.1-nemotron-51b-instruct", "llama-3.3-nemotron-super-49b-v1")
_AE1_SMALL = ("alpaca-7b", "falcon-7b-instruct", "phi-2", "minichat-3b")
_AE2_SMALL = ("gemma-2b-it", "FuseChat-Llama-3.2-1B-Instruct", "FuseChat-Llama-3.2-3B-Instruct",
              "phi-2-sft")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Example:
    """One prompt with its label in [0, 1] and the split it belongs to."""

    dataset: str
    text: str
    label: float
    test: bool
    weak: float = math.nan  # the small side's graded outcome in [0, 1], when the data has one
    strong: float = math.nan  # the strong side's outcome, for the router metrics (APGR, CPT)


class DataMissingError(Exception):
    """The offline data folder (or one of its files) is absent."""


def is_test(text: str, seed: int) -> bool:
    """Seeded, order-independent hold-out choice for one prompt."""
    return zlib.crc32(f"{seed}:{text}".encode()) % TEST_SHARE == 0


_WORD = re.compile(r"[a-z0-9]+")
_KEY_PREFIX = 40  # held-out keys are indexed by every prefix up to this length


def overlap_key(text: str) -> str:
    """The prompt as lower-cased words, a leading "Q" dropped: equal for the same question in
    two files whatever the prefix, case, spacing or punctuation."""
    words = _WORD.findall(text.lower())
    return " ".join(words[1:] if words[:1] == ["q"] else words)


def decontaminate(examples: list[Example]) -> list[Example]:
    """Drop training rows that repeat a held-out prompt of another data set: their word keys
    are equal or one extends the other (an appended instruction, or answer choices)."""
    starts: dict[str, set[str]] = {}  # every prefix (up to _KEY_PREFIX chars) of a held-out key
    whole: dict[str, set[str]] = {}
    for example in examples:
        if example.test:
            key = overlap_key(example.text)
            whole.setdefault(key, set()).add(example.dataset)
            for n in range(1, min(len(key), _KEY_PREFIX) + 1):
                if n == len(key) or key[n] == " ":  # whole words only
                    starts.setdefault(key[:n], set()).add(example.dataset)
    long_keys: dict[str, list[tuple[str, set[str]]]] = {}
    for key, sets in whole.items():
        if len(key) >= _KEY_PREFIX:
            long_keys.setdefault(key[:_KEY_PREFIX], []).append((key, sets))
    lengths = sorted({len(key) for key in whole})

    def sets_repeated(key: str) -> set[str]:
        found = set().union(*(whole.get(key[:n], set()) for n in lengths
                              if n == len(key) or (n < len(key) and key[n] == " ")))  # fmt: skip
        if len(key) < _KEY_PREFIX:  # a short training key: any held-out key extending it
            return found | starts.get(key, set())
        extending = (sets for seen, sets in long_keys.get(key[:_KEY_PREFIX], [])
                     if seen.startswith(key))  # fmt: skip
        return found.union(*extending)

    return [e for e in examples if e.test or not sets_repeated(overlap_key(e.text)) - {e.dataset}]


def _rows(path: Path) -> Iterator[dict[str, str]]:
    csv.field_size_limit(1 << 30)
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _weak_strong(path: Path, name: str, seed: int) -> Iterator[Example]:
    for row in _rows(path):
        weak, strong = float(row["weak_correct"]), float(row["strong_correct"])
        label = float(weak == 0 and strong == 1)
        yield Example(name, row["prompt"], label, is_test(row["prompt"], seed), weak, strong)


def _dcrouter(path: Path, name: str, seed: int) -> Iterator[Example]:
    del seed  # the file ships its own split
    for row in _rows(path):
        small = sum(float(row[f"score__{m}"] or 0) for m in _DC_SMALL) / len(_DC_SMALL)
        large = max(float(row[f"score__{m}"] or 0) for m in _DC_LARGE)
        yield Example(
            name, row["question"], large * (1.0 - small), row["split"] == "test", small, large
        )


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _alpacaeval(folder: Path, seed: int) -> Iterator[Example]:
    second = {row["instruction"]: row for row in _rows(folder / FILES["alpacaeval2"])}
    for row in _rows(folder / FILES["alpacaeval1"]):
        strong_wins = row.get("pref__gpt4_1106_preview", "").startswith("2")
        first = _mean([float(strong_wins and not row[f"pref__{m}"].startswith("2"))
                       for m in _AE1_SMALL if row.get(f"pref__{m}")])  # fmt: skip
        other = second.get(row["instruction"], {})
        turbo = _mean([min(max(2.0 - float(other[f"pref__{m}"]), 0.0), 1.0)
                       for m in _AE2_SMALL if other.get(f"pref__{m}")])  # fmt: skip
        labels = [v for v in (first, turbo) if v is not None]
        weak = _mean([float(row[f"pref__{m}"].startswith("2"))
                      for m in _AE1_SMALL if row.get(f"pref__{m}")])  # fmt: skip
        if labels:
            text = row["instruction"]
            yield Example(
                "alpacaeval",
                text,
                sum(labels) / len(labels),
                is_test(text, seed),
                math.nan if weak is None else weak,
                float(strong_wins),
            )


def _arena(path: Path, name: str, seed: int) -> Iterator[Example]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            prompt = json.loads(line).get("prompt")
            if isinstance(prompt, str) and prompt:
                yield Example(name, prompt, 1.0, is_test(prompt, seed))


_READERS: dict[str, Callable[[Path, str, int], Iterator[Example]]] = {
    "mmlu": _weak_strong,
    "gsm8k": _weak_strong,
    "dcrouter": _dcrouter,
    "arena_hard": _arena,
}


def load_examples(folder: Path, seed: int) -> list[Example]:
    """All labelled prompts in `folder`; raises `DataMissingError` if any file is absent."""
    missing = [f for f in FILES.values() if not (folder / f).is_file()]
    if missing:
        raise DataMissingError(f"offline data not found in {folder}: missing {missing}")
    examples: list[Example] = []
    for name, reader in _READERS.items():
        examples.extend(reader(folder / FILES[name], name, seed))
    examples.extend(_alpacaeval(folder, seed))
    return decontaminate(examples)
