"""The C kernels against the Python code they replace."""

from __future__ import annotations

import functools
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier import Classifier, features, native, secret_scan, windows
from classifier.detectors import build_detectors

pytestmark = pytest.mark.skipif(native.kernels is None, reason="the C kernels were not built")

# ASCII and Unicode digits and spaces: the kernels read the str itself, with `re`'s and
# `str.split`'s notions of a digit and a space.
_TEXT = st.text(
    alphabet=st.sampled_from(
        " \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u2003\u3000().-/:+x_aZé漢" + "0123456789٣४" * 3
    ),
    max_size=200,
)


# One byte per character (the kernels' Latin-1 tables): every Latin-1 space, "\x85" and
# "\xa0" included, and the characters next to the digits that are none.
_LATIN1 = st.text(
    alphabet=st.sampled_from(" \t\n\r\x0b\x0c\x1c\x1f\x85\xa0().-/:+x_aZé²¹¼/" + "0123456789" * 3),
    max_size=200,
)


@settings(max_examples=400, deadline=None)
@given(text=_TEXT | _LATIN1)
def test_digit_runs_equal_the_number_regex(text: str) -> None:
    number = build_detectors().numbers.number
    want = [m.span() for m in number.finditer(text)]
    assert native.span_pairs(native.kernels.digit_runs(text, 4)) == want


@settings(max_examples=400, deadline=None)
@given(text=_TEXT | _LATIN1, minimum=st.integers(1, 20))
def test_long_runs_equal_str_split(text: str, minimum: int) -> None:
    want = [m.span() for m in re.finditer(r"\S+", text) if m.end() - m.start() >= minimum]
    assert native.span_pairs(native.kernels.long_runs(text, minimum)) == want
    assert secret_scan.long_tokens(text, minimum) == want


@settings(max_examples=400, deadline=None)
@given(
    text=st.text(alphabet="ab@ :=pas", max_size=120),
    needles=st.lists(st.text(alphabet="ab@ :=pas", min_size=1, max_size=4), max_size=5),
)
def test_find_all_equals_repeated_str_find(text: str, needles: list[str]) -> None:
    want = windows.find_each(text, needles)  # overlapping hits too ("aa" in "aaa")
    hits = native.span_pairs(native.kernels.find_all(text, tuple(needles)))
    assert [(s, s + len(needles[k])) for k, s in hits] == want
    assert windows.keyword_anchors(text, needles) == want


@settings(max_examples=400, deadline=None)
@given(
    text=st.text(alphabet="ab1_@ :=pas", max_size=120),
    needles=st.lists(st.text(alphabet="ab1_@ :=pas", min_size=1, max_size=4), max_size=66),
)
def test_find_all_at_word_starts_keeps_the_hits_not_after_a_letter_or_digit(
    text: str, needles: list[str]
) -> None:
    every = windows.find_each(text, needles)
    want = [(s, e) for s, e in every if s == 0 or not text[s - 1].isalnum()]
    assert windows.find_each(text, needles, word_start=True) == want
    assert windows.keyword_anchors(text, needles, word_start=True) == want  # C up to 64 needles


_WORDS = st.text(alphabet="ab1_ :pas", min_size=1, max_size=4)


@settings(max_examples=300, deadline=None)
@given(
    text=st.text(alphabet="ab1_ :pas", max_size=120),
    groups=st.lists(st.tuples(st.lists(_WORDS, max_size=70).map(tuple), st.booleans()),
                    max_size=4),
)  # fmt: skip
def test_anchor_groups_equal_one_keyword_scan_per_group(
    text: str, groups: list[tuple[tuple[str, ...], bool]]
) -> None:
    want = [windows.find_each(text, group, word_start) for group, word_start in groups]
    plan = windows.plan_keywords(groups)
    assert windows.anchor_groups(text, plan) == want  # groups packed into 64-needle scans


def _find_all(text: str, needles: list[str], word_start: bool = False) -> list[tuple[int, int]]:
    hits = native.span_pairs(native.kernels.find_all(text, tuple(needles), word_start))
    return [(s, s + len(needles[k])) for k, s in hits]


# NUL too: the C scan reads the NUL that ends the text as the byte after its last position.
_NEEDLE = st.text(alphabet="ab\x00", min_size=1, max_size=6)


@settings(max_examples=400, deadline=None)
@given(
    text=st.text(alphabet="ab\x00", max_size=40),
    needles=st.lists(_NEEDLE, min_size=1, max_size=64) | st.lists(_NEEDLE, max_size=1),
)
def test_find_all_equals_str_find_for_up_to_64_needles_sharing_prefixes(
    text: str, needles: list[str]
) -> None:
    assert _find_all(text, needles) == windows.find_each(text, needles)
    assert _find_all(text, needles, True) == windows.find_each(text, needles, word_start=True)


@pytest.mark.parametrize("n", [0, 1, 2, 7, 8, 9, 15, 16, 17, 31])
def test_find_all_finds_needles_ending_the_text(n: int) -> None:
    text = "x" * (n - 1) + "z" if n else ""
    needles = ["z", "xz", "xxz", "zz", "y", "x" * (n + 1), "x" * n + "z"]
    assert _find_all(text, needles) == windows.find_each(text, needles)
    assert _find_all(text, ["z"]) == windows.find_each(text, ["z"])  # the one-needle path
    assert _find_all(text, ["z", "q"]) == windows.find_each(text, ["z", "q"])


def test_find_all_tells_needles_apart_past_their_first_two_bytes() -> None:
    text = "pass: passw0rd passcode pas pa p"
    needles = ["passw", "pass", "passc", "pa", "p", "pas", "passport", text + "!"]
    assert _find_all(text, needles) == windows.find_each(text, needles)


def test_find_all_refuses_what_it_cannot_scan() -> None:
    with pytest.raises(ValueError, match="ASCII"):
        native.kernels.find_all("café", ("ca",))
    with pytest.raises(ValueError, match="non-empty"):
        native.kernels.find_all("text", ("",))
    with pytest.raises(ValueError, match="at most 64"):
        native.kernels.find_all("text", ("t",) * 65)
    with pytest.raises(ValueError, match="one flag per needle"):
        native.kernels.find_all("text", ("t", "e"), (True,))
    assert windows.keyword_anchors("café key", ("key",)) == [(5, 8)]  # the Python path


def test_span_pairs_of_nothing_is_empty() -> None:
    assert native.span_pairs(b"") == []


_BYTES = st.binary(max_size=300) | st.text(
    alphabet=st.sampled_from("`$\\\n .,?AB{};=<>[]+*/^09az-√∑∫π≤≥≠±∞∀∃∈∂∁≦≈\u2010ϐ²"), max_size=200
).map(str.encode)


@settings(max_examples=400, deadline=None)
@given(data=_BYTES)
def test_byte_counts_equal_the_reference(data: bytes) -> None:
    assert features.byte_counts(data) == features.byte_counts(data, native=False)


@settings(max_examples=400, deadline=None)
@given(data=_BYTES, turns=st.integers(-2, 40))
def test_dense_features_equal_the_reference_to_the_bit(data: bytes, turns: int) -> None:
    text = data.decode("utf-8", "replace")
    assert features.dense_features(text, turns) == features.dense_features(text, turns, False)


_WORDS = ["What", "is", "12", "+", "30", "?", "Explain", "$5", ",", "the", "proof", "."]
_WORDS += ["Zoë", "```py", "x=1```", "\n", "A.", "B."]


@settings(max_examples=150, deadline=None)
@given(words=st.lists(st.sampled_from(_WORDS), max_size=120), turns=st.integers(1, 6))
def test_c_difficulty_head_equals_the_numpy_head(words: list[str], turns: int) -> None:
    head = _classifier().head
    text = " ".join(words)
    native_p = head.probability(features.Featurizer(head.n_bits), text, turns)
    numpy_p = head.probability(features.Featurizer(head.n_bits, native=False), text, turns)
    assert abs(native_p - numpy_p) < 1e-12


@functools.cache
def _classifier() -> Classifier:
    return Classifier.load()


def test_serving_tables_are_float32_copies_and_the_kernels_refuse_float64() -> None:
    clf = _classifier()
    tagger, head = clf.tagger, clf.head
    assert tagger.table.dtype == np.float32 and tagger.weights.dtype == np.float64
    np.testing.assert_allclose(tagger.table, tagger.weights, rtol=1e-6, atol=1e-30)
    assert head._base.dtype == head._by_bucket.dtype == np.float32
    np.testing.assert_allclose(head._base, head.base.weights, rtol=1e-6, atol=1e-30)
    data = b"call me at home"
    with pytest.raises(ValueError, match="float32"):
        native.kernels.tag_scores(data, 1024, tagger.n_bits, tagger.weights, tagger.intercepts, 0.5)
    with pytest.raises(ValueError, match="inconsistent"):
        native.kernels.gated_head(
            data, 1024, head.n_bits, head.base.weights, head.base.dense_weights, 0.0,
            head.gate_bits, head._by_bucket, head.gate_intercepts, head.gate_dense,
            head.domain_intercepts, head.expert_weights, head.expert_own,
            head.expert_intercepts, len(data), 1,
        )  # fmt: skip


_NAME_WORDS = [
    "Mary",
    "Smith",
    "Street",
    "Dr",
    "JohnSmith",
    "MARY",
    "mary",
    "Zoë",
    "Élodie",
    "éMary",
]


@settings(max_examples=400, deadline=None)
@given(
    parts=st.lists(
        st.sampled_from(_NAME_WORDS) | st.text(alphabet="AMSaryt .,-'\n9ëÉ漢", max_size=8),
        max_size=30,
    )
)
def test_c_capitalised_words_equal_the_regex_and_the_set(parts: list[str]) -> None:
    cues = build_detectors().cues
    text = "".join(parts)
    words = [m.span() for m in re.finditer("[A-Z][a-z]+", text)
             if m.start() == 0 or not text[m.start() - 1].isalpha()]  # fmt: skip
    hits = [i for i, (s, e) in enumerate(words) if text[s:e] in cues.names.gate_words]
    spans_b, hits_b = native.kernels.capitalised_words(text, cues.names.gate_words)
    assert native.span_pairs(spans_b) == words
    assert native.int64s(hits_b).tolist() == hits


@settings(max_examples=400, deadline=None)
@given(
    text=st.text(alphabet=st.sampled_from("ab.-\u00e9\u6f22 \n\t\u2003\u3000"), max_size=300),
    spans=st.lists(st.tuples(st.integers(0, 300), st.integers(0, 40)), max_size=12),
    before=st.integers(0, 80),
    after=st.integers(0, 80),
)
def test_c_windows_around_anchors_equal_the_reference(
    text: str, spans: list[tuple[int, int]], before: int, after: int
) -> None:
    n = len(text)
    anchors = [(min(s, n), min(s + w, n)) for s, w in spans]
    assert windows.around(text, anchors, before, after) == windows.around_reference(
        text, anchors, before, after
    )
