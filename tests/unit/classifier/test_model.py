from __future__ import annotations

import functools
import random
import time
from typing import Any

import numpy as np
import pytest

from classifier import DEFAULT_ARTIFACT, Classifier, Scores, datasets, sensitivity
from classifier.features import Featurizer
from classifier.gated_fit import batch_probability, build_matrix, export_head, fit_gated, fit_head
from classifier.model import lean_probability

_WORDS = [
    "prove",
    "the",
    "integral",
    "of",
    "x",
    "squared",
    "derivative",
    "explain",
    "python",
    "code",
    "function",
    "bug",
    "why",
    "what",
    "how",
    "list",
    "capital",
    "of",
    "france",
    "write",
    "a",
    "poem",
    "about",
    "cats",
    "compute",
    "17",
    "*",
    "23",
    "=",
    "?",
    "```def",
    "f(x):",
    "return",
    "x```",
]


def _prompts(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choices(_WORDS, k=rng.randint(0, 60))) for _ in range(n)]


def test_lean_path_equals_sklearn_predict_proba() -> None:
    featurizer = Featurizer(12)
    train, test = _prompts(300, 1), _prompts(300, 2)
    rng = np.random.default_rng(0)
    labels = rng.random(len(train))  # soft labels exercise the two-row fit
    model = fit_head(build_matrix(featurizer, train), labels, np.ones(len(train)), c=4.0)
    expected = model.predict_proba(build_matrix(featurizer, test))[:, 1]
    head = export_head(model, 12)
    lean = np.array([lean_probability(head, featurizer, text, 1) for text in test])
    assert expected.std() > 0.01  # the model is not a constant
    np.testing.assert_allclose(lean, expected, rtol=0, atol=1e-9)


def test_gated_head_lean_path_equals_batch_path() -> None:
    featurizer = Featurizer(10)
    rng = random.Random(3)
    examples = [
        datasets.Example(rng.choice(["a", "b", "c"]), text, rng.random(), False)
        for text in _prompts(240, 4)
    ]
    head = fit_gated(examples, featurizer, seed=0)
    test = _prompts(100, 5)
    batch = batch_probability(head, build_matrix(featurizer, test))
    lean = np.array([head.probability(featurizer, text, 1) for text in test])
    assert batch.std() > 0.001 and head.domains == ("a", "b", "c")
    # serving reads float32 copies of the weight tables (sums in double): ~1e-8 here
    np.testing.assert_allclose(lean, batch, rtol=0, atol=1e-6)


def test_shipped_artifact_loads_fast_and_scores_in_range() -> None:
    start = time.perf_counter()
    clf = Classifier.load()
    assert time.perf_counter() - start < 1.0
    assert DEFAULT_ARTIFACT.is_file() and DEFAULT_ARTIFACT.stat().st_size < 20_000_000
    easy = clf.score_text("What is the capital of France?")
    hard = clf.score_text(
        "Write a C++ program that solves the following problem with an O(n log n) algorithm, "
        "then prove its correctness formally and analyse the amortised complexity:\n" * 3
    )
    assert 0.0 <= easy.difficulty < hard.difficulty <= 1.0


@pytest.mark.parametrize(
    "chat",
    [
        [],
        [{}],
        [None, 3, "x"],
        [{"role": "user", "content": None}],
        [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:"}}]}],
        [{"role": "user", "content": {"unexpected": "dict"}}],
        [{"role": "assistant", "tool_calls": "not a list"}],
        [{"role": "assistant", "tool_calls": [{"function": {"arguments": 5}}]}],
        [{"role": "user", "content": "\ud800 lone surrogate \x00 nul"}],
    ],
)
def test_score_never_raises_on_odd_shapes(clf: Classifier, chat: list[Any]) -> None:
    scores = clf.score(chat)
    assert isinstance(scores, Scores)
    assert 0.0 <= scores.difficulty <= 1.0 and 0.0 <= scores.sensitivity <= 1.0


def test_difficulty_comes_from_the_last_user_message(clf: Classifier) -> None:
    question = "Prove that there are infinitely many primes."
    chat = [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "hello"},
        {"role": "user", "content": question},
    ]
    assert clf.score(chat).difficulty == pytest.approx(clf.difficulty(question, n_turns=3))


def test_score_text_tags_entities_with_minus_one(clf: Classifier) -> None:
    scores = clf.score_text("card 4111 1111 1111 1111")
    assert [(e.type, e.start, e.end, e.message) for e in scores.entities] == [
        ("CREDIT_CARD", 5, 24, -1)
    ]
    assert scores.hard_entity and scores.sensitivity == 1.0


def test_earlier_messages_are_scanned_once_and_the_last_every_time() -> None:
    clf = Classifier.load()  # its own instance: a fresh memo
    system = "You are Dr. Helena Shaw's assistant; her card is 4111 1111 1111 1111."
    first = [{"role": "system", "content": system}, {"role": "user", "content": "Hi, I'm Ann."}]
    second = [*first, {"role": "assistant", "content": "Hello Ann."},
              {"role": "user", "content": "Email me at ann@example.com"}]  # fmt: skip
    scores = [clf.score(first), clf.score(second), clf.score(second)]
    assert clf._history.cache_info().hits >= 2  # the system prompt, scanned on the first call
    cached = clf._history.cache_info().currsize
    assert cached == 3  # system, "Hi, I'm Ann." and "Hello Ann.": never the last message
    fresh = Classifier.load()
    for request, got in zip((first, second, second), scores, strict=True):
        texts = [(i, m["content"]) for i, m in enumerate(request)]
        assert got.entities == sensitivity.entities_of(
            texts, fresh.detectors, fresh.tagger, fresh.featurizer, fresh.text_model
        )
    assert any(e.type == "CREDIT_CARD" and e.message == 0 for e in scores[2].entities)


_CURLY = "I\u2019m \u201cfine\u201d \u2014 it\u2019s 5\u00a0km, isn\u2019t it?"
_STRAIGHT = "I'm \"fine\" - it's 5 km, isn't it?"


@pytest.mark.parametrize("native", [True, False])
def test_difficulty_reads_typographic_punctuation_as_its_ascii_form(native: bool) -> None:
    """A phone's curly apostrophes and dashes score as typed on a keyboard, in serving and in
    the training matrix alike."""
    head = _shipped().head
    featurizer = Featurizer(head.n_bits, native=native)
    assert head.probability(featurizer, _CURLY, 2) == head.probability(featurizer, _STRAIGHT, 2)
    rows = build_matrix(featurizer, [_CURLY, _STRAIGHT])
    assert (rows[0] != rows[1]).nnz == 0


@functools.cache
def _shipped() -> Classifier:
    return Classifier.load()
