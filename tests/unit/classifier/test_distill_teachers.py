"""Teachers without their heavy parts: the kNN head on fake embeddings, caches, parsing."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from classifier.embed_teacher import EmbeddingCache, EmbeddingTeacher
from classifier.judge import AnswerCache, parse_probability
from classifier.teachers import (
    LabelledPrompt,
    OutcomeTeacher,
    Prompt,
    cap_per_set,
    prompt_id,
    read_labelled,
)


class FakeEmbedder:
    """Unit vectors from a prompt's first word: 'hard...' and 'easy...' point apart."""

    model_id = "fake"

    def __init__(self) -> None:
        self.calls = 0

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls += len(texts)
        rows = []
        for text in texts:
            angle = (0.1 if text.startswith("hard") else 1.5) + len(text) * 1e-3
            rows.append([math.cos(angle), math.sin(angle)])
        return np.asarray(rows, dtype=np.float32)


def _row(text: str, label: float) -> LabelledPrompt:
    return LabelledPrompt(Prompt(prompt_id(text), text), label)


def test_knn_labels_by_neighbours_and_never_by_itself(tmp_path: Path) -> None:
    train = [_row(f"hard {i}", 1.0) for i in range(5)] + [_row(f"easy {i}", 0.0) for i in range(5)]
    embedder = FakeEmbedder()
    teacher = EmbeddingTeacher(train, EmbeddingCache(tmp_path, "fake"), embedder, k=3)
    batch = [Prompt(prompt_id("hard new"), "hard new"), Prompt(prompt_id("easy x"), "easy x"),
             train[0].prompt]  # fmt: skip
    labels = dict(item for chunk in teacher.label_batches(batch) for item in chunk.items())
    assert labels[batch[0].id] == pytest.approx(1.0) and labels[batch[1].id] == pytest.approx(0.0)
    sims = teacher.predict([train[0].prompt.id], np.array([[1.0, 0.0]], dtype=np.float32))
    assert sims.shape == (1,)
    assert teacher.fingerprint().startswith("embedding:fake:knn3:")


def test_embedding_cache_computes_each_text_once_across_instances(tmp_path: Path) -> None:
    embedder = FakeEmbedder()
    first = EmbeddingCache(tmp_path, "fake").get(embedder, ["hard a", "easy b", "hard a"])
    assert embedder.calls == 2 and first.shape == (3, 2)
    again = EmbeddingCache(tmp_path, "fake").get(embedder, ["easy b", "hard a"])
    assert embedder.calls == 2
    np.testing.assert_array_equal(again, first[[1, 0]])
    EmbeddingCache(tmp_path, "other model").get(embedder, ["hard a"])
    assert embedder.calls == 3  # another model id never reuses vectors


@pytest.mark.parametrize(
    ("reply", "expected"),
    [("0.8", 0.8), ("Probability: 0.25.", 0.25), ("80%", 0.8), ("70", 0.7), (".5", 0.5),
     ("1.7", 1.0), ("no idea", None), ("", None)],
)  # fmt: skip
def test_judge_replies_are_parsed_into_probabilities(reply: str, expected: float | None) -> None:
    assert parse_probability(reply) == (None if expected is None else pytest.approx(expected))


def test_answer_cache_reloads_and_skips_a_torn_line(tmp_path: Path) -> None:
    path = tmp_path / "answers.jsonl"
    cache = AnswerCache(path)
    cache.put("k1", 0.3)
    with path.open("a") as handle:
        handle.write('{"key": "k2", "p"')
    assert AnswerCache(path).get("k1") == 0.3 and AnswerCache(path).get("k2") is None


def test_labelled_files_take_outcomes_and_default_the_dataset(tmp_path: Path) -> None:
    path = tmp_path / "graded.jsonl"
    rows = [
        {"prompt": "a", "weak": 0, "strong": 1},
        {"text": "b", "label": 0.4, "dataset": "x"},
        {"prompt": "c"},
        {"messages": [{"role": "user", "content": "d"}], "label": 2},
    ]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    got = read_labelled(path)
    assert [(r.prompt.text, r.label, r.prompt.dataset) for r in got] == [
        ("a", 1.0, "graded"), ("b", 0.4, "x"), ("d", 1.0, "graded")]  # fmt: skip
    assert got[0].strong == 1.0 and math.isnan(got[1].weak)


def test_cap_per_set_is_seeded_and_keeps_order() -> None:
    rows = [_row(f"p{i}", 0.0) for i in range(50)]
    capped = cap_per_set(rows, 10, seed=0)
    assert len(capped) == 10 and capped == sorted(capped, key=rows.index)
    assert capped == cap_per_set(rows, 10, seed=0) and capped != cap_per_set(rows, 10, seed=1)
    assert cap_per_set(rows, 0, seed=0) == rows


def test_outcome_teacher_marks_unknown_prompts_as_unlabelled() -> None:
    teacher = OutcomeTeacher([_row("known", 1.0)])
    (labels,) = teacher.label_batches([Prompt(prompt_id("known"), "known"), Prompt("z", "zz")])
    assert labels[prompt_id("known")] == 1.0 and math.isnan(labels["z"])
