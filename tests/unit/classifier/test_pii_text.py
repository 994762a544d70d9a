from __future__ import annotations

import dataclasses
import functools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier import ArtifactError, Classifier, sensitivity
from classifier.artifact import read_artifact
from classifier.features import Featurizer
from classifier.pii_data import Sample
from classifier.pii_model import PiiTagger
from classifier.pii_text import KIND, PiiTextModel, buckets
from classifier.pii_train import TrainConfig, fit_text, save

_WORDS = ["I", "my", "take", "metformin", "salary", "$5,000", "the", "a", "Ann", "été", "x1"]


def _model(n_bits: int = 12, seed: int = 0, threshold: float = 0.5) -> PiiTextModel:
    weights = np.random.default_rng(seed).normal(size=1 << n_bits).astype(np.float32)
    return PiiTextModel(n_bits, weights, -0.25, threshold)


@pytest.mark.skipif(not Featurizer(10).native, reason="the C kernels were not built")
@settings(max_examples=200, deadline=None)
@given(
    words=st.lists(st.sampled_from(_WORDS), max_size=60), glue=st.sampled_from([" ", ", ", "\n"])
)
def test_c_sum_equals_the_numpy_reference(words: list[str], glue: str) -> None:
    text, model = glue.join(words), _model()
    reference = float(model.weights[buckets(Featurizer(18), text, 12)].sum(dtype=np.float64))
    assert model.logit(Featurizer(18), text) == pytest.approx(reference + model.intercept, abs=1e-9)
    assert model.logit(Featurizer(18, native=False), text) == pytest.approx(
        reference + model.intercept, abs=1e-12
    )


@pytest.mark.parametrize("native", [True, False])
def test_each_distinct_n_gram_counts_once(native: bool) -> None:
    featurizer = Featurizer(18, native=native)
    ones = PiiTextModel(12, np.ones(1 << 12, dtype=np.float32), 0.0, 0.5)
    # "a b a b": unigrams a, b and bigrams (a b), (b a): four buckets, whatever the repeats
    assert ones.logit(featurizer, "a b a b") == ones.logit(featurizer, "a b a") == 4.0
    assert ones.logit(featurizer, "") == 0.0


def test_buckets_are_the_featurizers_masked() -> None:
    text = "I take metformin every day"
    wide = Featurizer(18).indices(text) & ((1 << 12) - 1)
    assert buckets(Featurizer(18), text, 12).tolist() == sorted(set(wide.tolist()))
    with pytest.raises(ValueError, match="cannot give"):
        buckets(Featurizer(10), text, 12)


def test_flags_at_the_threshold_probability() -> None:
    featurizer, text = Featurizer(18), "my salary is $5,000"
    probability = 1.0 / (1.0 + np.exp(-_model().logit(featurizer, text)))
    assert _model(threshold=probability * 0.999).flags(featurizer, text)
    assert not _model(threshold=min(probability * 1.001, 0.999999)).flags(featurizer, text)


def _tagger() -> PiiTagger:
    return PiiTagger(10, np.zeros((1 << 10, 6)), np.array([5.0, 0, 0, 0, 0, 0]), 0.5)


def test_artifact_round_trip_and_absent_model(tmp_path: Path) -> None:
    model = _model()
    save(tmp_path / "with.skops", _tagger(), {}, model)
    back = PiiTextModel.from_content(read_artifact(tmp_path / "with.skops"))
    assert back is not None and back.n_bits == model.n_bits and back.threshold == model.threshold
    assert back.intercept == model.intercept and np.array_equal(back.weights, model.weights)
    save(tmp_path / "without.skops", _tagger(), {})
    assert PiiTextModel.from_content(read_artifact(tmp_path / "without.skops")) is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("text_threshold", 1.0),
        ("text_n_bits", 40),
        ("text_weights", np.zeros(1 << 11, dtype=np.float32)),
        ("text_weights", np.zeros(1 << 12, dtype=np.float64)),
        ("text_intercept", float("nan")),
    ],
)
def test_malformed_fields_are_refused(field: str, value: object) -> None:
    content = _model().to_content()
    content[field] = value
    with pytest.raises(ArtifactError, match=field):
        PiiTextModel.from_content(content)


def test_a_flagged_text_is_one_soft_entity_over_the_whole_text(clf: Classifier) -> None:
    text = "The weather is nice today."
    always = PiiTextModel(12, np.zeros(1 << 12, dtype=np.float32), 10.0, 0.5)
    never = dataclasses.replace(always, intercept=-10.0)
    plain = sensitivity.spans_of(text, clf.detectors, clf.tagger, clf.featurizer)
    flagged = sensitivity.spans_of(text, clf.detectors, clf.tagger, clf.featurizer, always)
    assert flagged == (*plain, (KIND, 0, len(text)))
    assert sensitivity.spans_of(text, clf.detectors, clf.tagger, clf.featurizer, never) == plain
    entities = sensitivity.entities_of(
        [(0, text)], clf.detectors, clf.tagger, clf.featurizer, always
    )
    assert sensitivity.sensitivity_of(entities) >= 0.5  # alone it reaches the default threshold


def test_fit_text_learns_which_texts_hold_health_or_money_facts() -> None:
    facts = [Sample(f"I take {drug} every day.", (("MEDICAL", 7, 7 + len(drug)),))
             for drug in ("metformin", "lithium", "insulin")]  # fmt: skip
    topics = [Sample(f"What does {drug} treat?", ()) for drug in ("metformin", "lithium")]
    model = fit_text(Featurizer(17), facts + topics, TrainConfig(text_bits=12, text_c=100.0))
    assert [model.flags(Featurizer(18), s.text) for s in facts + topics] == [True] * 3 + [False] * 2


@pytest.mark.parametrize(
    ("text", "personal"),
    [
        ("Make me a 7-day meal plan. Background: PTSD, currently taking metformin.", True),
        ("Payslip this month: gross $65,154, net $51,007. Why so much tax?", True),
        ("What are the symptoms of type 2 diabetes?", False),
        ("The average salary for nurses is $46,926.", False),
        ("Explain how a compiler works.", False),
    ],
)
def test_shipped_text_model(clf: Classifier, text: str, personal: bool) -> None:
    assert clf.text_model is not None
    assert clf.text_model.flags(clf.featurizer, text) is personal


@pytest.mark.skipif(not Featurizer(10).native, reason="the C kernels were not built")
@settings(max_examples=100, deadline=None)
@given(words=st.lists(st.sampled_from(_WORDS), max_size=60), glue=st.sampled_from([" ", "\n"]))
def test_the_taggers_pass_sums_as_the_text_model_does(words: list[str], glue: str) -> None:
    clf, text, model = _shipped(), glue.join(words), _model()
    spans, total = clf.tagger.tag_and_sum(clf.featurizer, text, (model.n_bits, model.weights))
    assert spans == clf.tagger.tag(clf.featurizer, text)
    assert total is not None
    reference = model.logit(Featurizer(18, native=False), text)
    assert total + model.intercept == pytest.approx(reference, abs=1e-9)
    assert model.flags_sum(total) is model.flags(Featurizer(18, native=False), text)


def test_without_the_kernel_the_tagger_sums_nothing() -> None:
    clf, model = _shipped(), _model()
    spans, total = clf.tagger.tag_and_sum(
        Featurizer(18, native=False), "my salary", (12, model.weights)
    )
    assert total is None and spans == clf.tagger.tag(Featurizer(18, native=False), "my salary")


@functools.cache
def _shipped() -> Classifier:
    return Classifier.load()
