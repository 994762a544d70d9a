"""Typographic punctuation (curly apostrophes and quotes, en and em dashes, no-break spaces) is
read as its ASCII form by the PII student, in serving and in training alike, without moving
any offset."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from classifier import Classifier
from classifier.features import Featurizer, plain_punctuation
from classifier.pii_data import Sample
from classifier.pii_train import build, word_labels

_TYPOGRAPHIC = "\u2019\u2018\u201c\u201d\u2013\u2014\u00a0"
_PLAIN = "''\"\"-- "


def test_each_typographic_character_has_its_ascii_form() -> None:
    assert plain_punctuation(f"a{_TYPOGRAPHIC}b") == f"a{_PLAIN}b"


def test_ascii_text_is_returned_as_it_is() -> None:
    text = 'I\'m "fine" - thanks'
    assert plain_punctuation(text) is text


@given(st.text(alphabet=st.sampled_from([*"ab 1.'\"-", *_TYPOGRAPHIC, "é", "€"]), max_size=60))
def test_length_is_kept_and_only_typographic_characters_change(text: str) -> None:
    plain = plain_punctuation(text)
    assert len(plain) == len(text)
    for before, after in zip(text, plain, strict=True):
        typographic = before in _TYPOGRAPHIC
        assert after == (_PLAIN[_TYPOGRAPHIC.index(before)] if typographic else before)


@pytest.mark.parametrize(
    "straight",
    [
        "Hi! I'm recovering from HIV. Could you make me a checklist?",
        "ok so I'm pregnant and taking lithium... thoughts?",
        "ok so I've been battling type 2 diabetes... thoughts?",
        'My doctor, "Ann Lee", says my blood pressure is high - should I worry?',
    ],
)
def test_curly_text_is_tagged_as_its_straight_form(clf: Classifier, straight: str) -> None:
    curly = straight.replace("'", "\u2019").replace(' "', " \u201c").replace('",', "\u201d,")
    curly = curly.replace(" - ", " \u2014 ")
    assert curly != straight
    # same spans at the same character offsets (the curly "I'm" was one capitalised word: a PERSON)
    assert clf.tagger.tag(clf.featurizer, curly) == clf.tagger.tag(clf.featurizer, straight)


def test_training_reads_curly_samples_as_serving_does() -> None:
    featurizer = Featurizer(18)
    straight = Sample("I'm Ann and I've got asthma.", (("PERSON", 4, 7), ("MEDICAL", 21, 27)))
    curly = Sample(straight.text.replace("'", "\u2019"), straight.spans)
    assert word_labels(featurizer, curly).tolist() == word_labels(featurizer, straight).tolist()
    matrices = [build(featurizer, [sample], 12)[0] for sample in (straight, curly)]
    assert (matrices[0] != matrices[1]).nnz == 0
