"""Cross-validated APGR of the difficulty recipe (`classifier.cv`)."""

from __future__ import annotations

import dataclasses
import random

import numpy as np
import pytest

from classifier import cv, datasets

_WORDS = [
    "prove",
    "the",
    "lemma",
    "write",
    "a",
    "poem",
    "sum",
    "these",
    "numbers",
    "explain",
    "why",
]


def _examples(n: int) -> list[datasets.Example]:
    rng = random.Random(7)
    rows = []
    for i in range(n):
        text = f"{i} " + " ".join(rng.choices(_WORDS, k=rng.randint(3, 30)))
        hard = "prove" in text
        weak, strong = (0.0, 1.0) if hard else (1.0, 1.0)
        label = 0.9 if hard else 0.1
        rows.append(datasets.Example(rng.choice(["a", "b"]), text, label, False, weak, strong))
    return rows


def test_a_fold_is_scored_by_a_recipe_that_never_saw_its_labels() -> None:
    examples = _examples(200)
    scores = cv.out_of_fold(examples, seed=0, n_bits=10)
    folds = np.array([cv.fold_of(e.text, 0) for e in examples])
    assert set(folds.tolist()) == set(range(cv.FOLDS))
    # flip fold 0's labels: its own scores stay, every other fold's move
    flipped = [
        dataclasses.replace(e, label=1.0 - e.label) if f == 0 else e
        for e, f in zip(examples, folds, strict=True)
    ]
    again = cv.out_of_fold(flipped, seed=0, n_bits=10)
    np.testing.assert_array_equal(again[folds == 0], scores[folds == 0])
    assert not np.allclose(again[folds != 0], scores[folds != 0])


def test_apgr_by_set_reports_each_graded_set_beside_prompt_length() -> None:
    examples = _examples(200)
    ungraded = datasets.Example("arena", "no outcomes here", 0.5, False)
    oracle = np.array([e.strong - e.weak for e in examples] + [0.0])
    best = cv.apgr_by_set([*examples, ungraded], oracle)
    worst = cv.apgr_by_set([*examples, ungraded], -oracle)
    assert set(best) == {"a", "b"}  # no outcomes, no APGR
    for name, row in best.items():
        assert row["rows"] == sum(e.dataset == name for e in examples)
        assert row["apgr"] > row["length_apgr"] > worst[name]["apgr"]
        assert row["length_apgr"] == worst[name]["length_apgr"]  # length ignores the scores


def test_the_command_skips_without_the_offline_data(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    assert cv.main(["--data", str(tmp_path)]) == 0
    assert "skipping cross-validation" in capsys.readouterr().err


@pytest.mark.parametrize("text", ["What is 2 + 2?", "Prove Fermat's little theorem."])
def test_a_prompt_keeps_its_fold_across_runs(text: str) -> None:
    assert cv.fold_of(text, 0) == cv.fold_of(text, 0) and 0 <= cv.fold_of(text, 0) < cv.FOLDS
