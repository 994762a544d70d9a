from __future__ import annotations

import functools
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier import ArtifactError, Classifier
from classifier.artifact import read_artifact
from classifier.features import Featurizer
from classifier.pii_data import Sample
from classifier.pii_model import (
    LABELS,
    LEGACY_FEATURES,
    N_FEATURES,
    PRONOUNS,
    PiiTagger,
    feature_keys,
    sentence_codes,
)
from classifier.pii_spans import char_offsets
from classifier.pii_train import build, fit, save, with_bias, word_labels

_SAMPLES = [
    Sample("My name is Ann Lee and I have asthma.", (("PERSON", 11, 18), ("MEDICAL", 30, 36))),
    Sample("Ship to 12 Oak Street today.", (("ADDRESS", 8, 21),)),
    Sample("Born 1/2/1990, salary $5,000.", (("DATE_OF_BIRTH", 5, 13), ("FINANCIAL", 22, 28))),
    Sample("Explain how a compiler works.", ()),
]


def _tagger(n_bits: int = 10) -> PiiTagger:
    matrix, labels = build(Featurizer(18), _SAMPLES, n_bits)
    return fit(matrix, labels, 10.0, n_bits)


def test_word_labels_follow_span_overlap() -> None:
    labels = word_labels(Featurizer(18), _SAMPLES[1])
    assert [LABELS[i] for i in labels] == ["O", "O", "ADDRESS", "ADDRESS", "ADDRESS", "O"]


def test_lean_scores_equal_sklearn_decision_function() -> None:
    from sklearn.linear_model import LogisticRegression

    matrix, labels = build(Featurizer(18), _SAMPLES, 10)
    model = LogisticRegression(C=10.0, max_iter=300).fit(matrix, labels)
    tagger = fit(matrix, labels, 10.0, 10)
    lean = np.vstack([tagger.word_scores(Featurizer(18), s.text.encode())[0] for s in _SAMPLES])
    # serving reads a float32 copy of the weights (sums in double): float32's 7 digits
    np.testing.assert_allclose(lean, model.decision_function(matrix), rtol=0, atol=1e-5)


def test_char_offsets_map_bytes_of_non_ascii_text() -> None:
    text = "Zoë Ünal lives here"
    data = text.encode()
    _, starts, _ = feature_keys(Featurizer(18), 10, data)
    assert [text[i] for i in char_offsets(text, data, starts)] == ["Z", "Ü", "l", "h"]


def test_save_load_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "pii.skops"
    tagger = _tagger()
    save(path, tagger, {"note": "test"})
    loaded = PiiTagger.from_content(read_artifact(path))
    np.testing.assert_array_equal(loaded.weights, tagger.weights)
    np.testing.assert_array_equal(loaded.intercepts, tagger.intercepts)
    text = "My name is Ann Lee and I have asthma."
    assert loaded.tag(Featurizer(18), text) == tagger.tag(Featurizer(18), text)


def _rewrite_schema(src: Path, dst: Path, edit: str, replacement: str) -> None:
    with zipfile.ZipFile(src) as old, zipfile.ZipFile(dst, "w") as new:
        for item in old.infolist():
            data = old.read(item.filename)
            if item.filename == "schema.json":
                data = data.decode().replace(edit, replacement).encode()
            new.writestr(item, data)


def test_tampered_artifact_is_refused(tmp_path: Path) -> None:
    path, bad = tmp_path / "pii.skops", tmp_path / "bad.skops"
    save(path, _tagger(), {})
    schema = json.loads(zipfile.ZipFile(path).read("schema.json"))
    assert "weights" in schema["content"]
    _rewrite_schema(path, bad, '"__class__": "ndarray"', '"__class__": "system"')
    with pytest.raises(ArtifactError):
        PiiTagger.from_content(read_artifact(bad))
    _rewrite_schema(path, bad, '\\"pii-tagger\\"', '\\"other\\"')
    with pytest.raises(ArtifactError):
        PiiTagger.from_content(read_artifact(bad))
    wrong = _tagger(11)
    save(bad, PiiTagger(10, wrong.weights, wrong.intercepts, 0.5), {})
    with pytest.raises(ArtifactError, match="shape"):
        PiiTagger.from_content(read_artifact(bad))
    with pytest.raises(ArtifactError):
        Classifier.load(pii_path=tmp_path / "missing.skops")


def test_shipped_student_tags_names_addresses_health_and_birth_dates(clf: Classifier) -> None:
    text = (
        "Dr. Helena Shaw saw patient Jane Doe, born on 12/04/1985, passport number XG9382049, "
        "who lives at 221 Baker Street. I was diagnosed with diabetes."
    )
    found = {(e.type, text[e.start : e.end]) for e in clf.score_text(text).entities}
    assert any(kind == "PERSON" and "Helena Shaw" in value for kind, value in found)
    assert ("DATE_OF_BIRTH", "12/04/1985") in found
    assert any(kind == "ADDRESS" and value.startswith("221 Baker") for kind, value in found)
    assert ("MEDICAL", "diabetes") in found


@pytest.mark.parametrize(
    "text", ["Say hello.", "What is two plus two?", "write me a haiku about autumn"]
)
def test_plain_requests_are_not_sensitive(clf: Classifier, text: str) -> None:
    scores = clf.score_text(text)
    assert scores.sensitivity < 0.5 and not scores.hard_entity


_WORDS = [
    "My",
    "name",
    "is",
    "Ann",
    "Lee",
    ",",
    "I",
    "live",
    "at",
    "12",
    "Oak",
    "Street",
    "Springfield",
    "and",
    "was",
    "born",
    "1/2/1990",
    ".",
    "Dr.",
    "Helena",
    "Shaw",
    "diagnosed",
    "diabetes",
    ";",
    "salary",
    "$5,000",
    "mortgage",
    "Zoë",
    "Ünal",
    "Rue",
    "l'Église",
    "né",
    "le",
    "3/4/1980",
    "explain",
    "compilers",
    "(x)",
    "@home",
    "#1",
    "€7",
    "£5",
    "-",
    "/",
    ":",
    '"',
    "\n",
    # pronouns and sentence ends, for the context key
    "I",
    "i",
    "I'm",
    "my",
    "OURSELVES",
    "yourself",
    "You",
    "her",
    "their",
    "us",
    "mine.",
    "e.g.",
    "$5.50",
    "?",
    "!",
    ".",
    "...",
    "\n\n",
    "Ümy",
    "my€",
]


def _random_tagger(n_bits: int = 12) -> PiiTagger:
    """Random weights with large spread, so that every key moves some word's label."""
    rng = np.random.default_rng(7)
    weights = rng.normal(0, 2, (1 << n_bits, len(LABELS))).astype(np.float32).astype(np.float64)
    return PiiTagger(n_bits, weights, rng.normal(0, 1, len(LABELS)), 0.4)


@pytest.mark.skipif(not Featurizer(10).native, reason="the C kernels were not built")
@settings(max_examples=200, deadline=None)
@given(words=st.lists(st.sampled_from(_WORDS), max_size=80), glue=st.sampled_from([" ", "", "\n"]))
def test_c_tagger_equals_the_numpy_reference(words: list[str], glue: str) -> None:
    # a random table, not the shipped one: an artifact from before the context key is served
    # by the numpy reference, and would compare the reference with itself
    tagger = _random_tagger()
    native, reference = Featurizer(18), Featurizer(18, native=False)
    text = glue.join(words)
    data = text.encode()
    for got, want in zip(tagger.word_scores(native, data), tagger.word_scores(reference, data),
                         strict=True):  # fmt: skip
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(
        tagger.word_labels(native, data)[0], tagger.word_labels(reference, data)[0]
    )
    assert tagger.tag(native, text) == tagger.tag(reference, text)


@functools.cache
def _shipped_tagger() -> PiiTagger:
    return Classifier.load().tagger


@pytest.mark.filterwarnings("ignore:The inplace keyword in DataFrame.rename is deprecated")
def test_validation_templates_are_held_out_of_fitting_and_of_the_test_split() -> None:
    pytest.importorskip("presidio_evaluator")
    from classifier.pii_data import split_templates

    (fit_p, fit_ours), (val_p, val_ours) = split_templates("fit"), split_templates("val")
    (train_p, train_ours), (test_p, test_ours) = split_templates("train"), split_templates("test")
    assert val_p and val_ours
    assert not set(fit_p + fit_ours) & set(val_p + val_ours)
    assert sorted(fit_p + val_p) == sorted(train_p)
    assert sorted(fit_ours + val_ours) == sorted(train_ours)
    assert not set(train_p + train_ours) & set(test_p + test_ours)


def test_unknown_split_is_refused() -> None:
    pytest.importorskip("presidio_evaluator")
    from classifier.pii_data import generate

    with pytest.raises(ValueError, match="unknown split"):
        generate("dev", 1, 0)


def test_fit_exports_the_chosen_threshold() -> None:
    matrix, labels = build(Featurizer(18), _SAMPLES, 10)
    assert fit(matrix, labels, 10.0, 10, threshold=0.6).threshold == 0.6


def test_saved_artifact_is_a_function_of_its_content(tmp_path: Path) -> None:
    first, second = tmp_path / "a.skops", tmp_path / "b.skops"
    tagger = _tagger()
    save(first, tagger, {"note": "x"})
    save(second, PiiTagger(tagger.n_bits, tagger.weights.copy(), tagger.intercepts.copy(),
                           tagger.threshold), {"note": "x"})  # fmt: skip
    assert first.read_bytes() == second.read_bytes()
    skops_io = pytest.importorskip("skops.io")
    loaded = skops_io.load(first, trusted=skops_io.get_untrusted_types(file=first))
    np.testing.assert_array_equal(loaded["weights"], read_artifact(first)["weights"])


def test_with_bias_moves_one_label_only() -> None:
    tagger = _tagger()
    biased = with_bias(tagger, {"PERSON": 1.5})
    delta = biased.intercepts - tagger.intercepts
    assert delta[LABELS.index("PERSON")] == 1.5 and np.count_nonzero(delta) == 1
    assert biased.threshold == tagger.threshold and biased.weights is tagger.weights


@pytest.mark.parametrize(
    "text",
    [
        "169.254.169.254",
        "curl http://169.254.169.254/latest/meta-data/",
        "10.0.3.17:8080",
        "f47ac10b-58cc-4372-a567-0e02b2c3d479",
        "upgrade numpy from 1.26.4 to 2.0.1",
        "ip-10-0-3-17.ec2.internal",
    ],
)
def test_shipped_student_leaves_hosts_versions_and_ids_alone(clf: Classifier, text: str) -> None:
    assert clf.tagger.tag(Featurizer(18), text) == []


@pytest.mark.skipif(not Featurizer(10).native, reason="the C kernels were not built")
@pytest.mark.parametrize("pronoun", sorted(PRONOUNS))
def test_c_kernel_knows_every_pronoun_of_the_python_list(pronoun: str) -> None:
    """`csrc/tagger.c` keeps its own copy of `PRONOUNS`: each word, in any case, must give the
    C kernel the same context key as the numpy reference."""
    tagger = _random_tagger()
    native, reference = Featurizer(18), Featurizer(18, native=False)
    for word in (pronoun, pronoun.upper(), pronoun.capitalize()):
        data = f"The fee {word} paid is $5,000.".encode()
        np.testing.assert_allclose(
            tagger.word_scores(native, data)[0], tagger.word_scores(reference, data)[0],
            rtol=0, atol=1e-9,
        )  # fmt: skip


def _codes(text: str) -> list[int]:
    featurizer = Featurizer(18, native=False)
    raw, starts, _, words = featurizer.words(text.encode())
    if not words.size:
        return []
    return sentence_codes(featurizer, raw, starts, words).tolist()


@pytest.mark.parametrize(
    ("text", "codes"),
    [
        ("", []),
        ("I", [1]),
        ("Salary $5.50. my pay", [0, 0, 0, 1, 1]),  # "." before a word byte ends nothing
        ("My rent! The rent? You\nher", [1, 1, 0, 0, 2, 4]),
        ("e.g. MY ourselves, YOUR", [0, 0, 3, 3, 3]),  # "g." before a space ends one
        ("Zoë has asthma. Ünal's mine", [0, 0, 0, 1, 1, 1]),
        ("myself... theirs", [1, 4]),
        ("mine's im.ive", [1, 1, 1, 1]),
        ("myth yourselves hiss", [0, 0, 0]),  # near misses are no pronouns
    ],
)
def test_sentence_codes_or_the_pronoun_classes_of_each_sentence(
    text: str, codes: list[int]
) -> None:
    assert _codes(text) == codes


def test_context_key_depends_on_the_sentence_only() -> None:
    featurizer = Featurizer(18, native=False)
    alone, _, _ = feature_keys(featurizer, 12, b"The salary is $5,000.")
    personal, _, _ = feature_keys(featurizer, 12, b"My salary is $5,000.")
    other, _, _ = feature_keys(featurizer, 12, b"I am here. The salary is $5,000.")
    assert alone.shape == (N_FEATURES, 5)
    # "5" and "000": the same neighbours, another context key
    np.testing.assert_array_equal(alone[:-1, 3:], personal[:-1, 3:])
    assert (alone[-1, 1:] != personal[-1, 1:]).all()
    np.testing.assert_array_equal(alone[-1, 1:], other[-1, 4:])  # not another sentence's "I"
    legacy, _, _ = feature_keys(featurizer, 12, b"My salary is $5,000.", LEGACY_FEATURES)
    np.testing.assert_array_equal(legacy, personal[:LEGACY_FEATURES])


def test_artifact_without_n_features_is_read_with_the_legacy_keys(tmp_path: Path) -> None:
    path = tmp_path / "pii.skops"
    tagger = _random_tagger(10)
    save(path, tagger, {})
    assert PiiTagger.from_content(read_artifact(path)).n_features == N_FEATURES
    content = read_artifact(path)
    del content["n_features"]  # as every artifact written before the context key
    legacy = PiiTagger.from_content(content)
    assert legacy.n_features == LEGACY_FEATURES
    text = "My name is Ann Lee and I have asthma. The fee is $5,000."
    keys, _, _ = feature_keys(Featurizer(18, native=False), 10, text.encode(), LEGACY_FEATURES)
    want = legacy.table[keys].sum(axis=0, dtype=np.float64) + legacy.intercepts
    for featurizer in (Featurizer(18), Featurizer(18, native=False)):
        np.testing.assert_array_equal(legacy.word_scores(featurizer, text.encode())[0], want)
    for wrong in (7, 10.0, True, "10"):
        content["n_features"] = wrong
        with pytest.raises(ArtifactError, match="n_features"):
            PiiTagger.from_content(content)
