from __future__ import annotations

import shutil

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.features import DENSE_NAMES, MAX_BYTES, Featurizer, dense_features


def test_word_hashes_are_case_insensitive_and_stable_across_processes() -> None:
    featurizer = Featurizer(18)
    hashes = featurizer.word_hashes("Hello, hello world")
    assert hashes[0] == hashes[1] != hashes[2]
    # Pinned values: a change here silently invalidates every shipped artifact.
    assert featurizer.indices("Hello world").tolist() == [23079, 75802, 104500]


def test_indices_hold_unigrams_then_bigrams_within_the_bucket_range() -> None:
    featurizer = Featurizer(10)
    indices = featurizer.indices("a b c d")
    assert indices.size == 4 + 3
    assert indices.min() >= 0 and indices.max() < 1 << 10


def test_empty_and_punctuation_only_text_have_no_ngrams() -> None:
    featurizer = Featurizer(12)
    assert featurizer.indices("").size == 0
    assert featurizer.indices("?!  ...").size == 0


def test_text_beyond_the_byte_cap_is_ignored() -> None:
    featurizer = Featurizer(12)
    head = "word " * (MAX_BYTES // 5 + 1)
    assert np.array_equal(featurizer.indices(head), featurizer.indices(head + "tail " * 100))


def test_dense_features_are_bounded() -> None:
    text = "```python\nx = [i**2 for i in range(10)]\n```\nWhat is $\\sum x$? A. 1\nB. 2"
    values = dense_features(text, 5)
    assert len(values) == len(DENSE_NAMES)
    assert all(0.0 <= v <= 1.5 for v in values)


_TEXTS = st.text(
    alphabet=st.sampled_from("aZ9_ \n\t.,;:-/'\"$@#(\0€£éü漢" + "abcdefghij0123456789"),
    max_size=300,
)


@pytest.mark.skipif(not Featurizer(10).native, reason="the C kernels were not built")
@settings(max_examples=300, deadline=None)
@given(text=_TEXTS, n_bits=st.integers(8, 20))
def test_c_kernels_equal_the_numpy_reference_bit_for_bit(text: str, n_bits: int) -> None:
    native, reference = Featurizer(n_bits), Featurizer(n_bits, native=False)
    data = text.encode("utf-8", "replace")
    for got, want in zip(native.words(data), reference.words(data), strict=True):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(native.indices(text), reference.indices(text))


def test_the_c_kernels_are_built_where_a_compiler_exists() -> None:
    # The install compiles classifier/csrc/; CI machines have gcc, so a silent fallback to
    # numpy there would be a performance regression nobody sees.
    if shutil.which("gcc") or shutil.which("cc"):
        assert Featurizer(10).native


def test_maths_symbols_count_as_maths() -> None:
    with_symbols = dense_features("curly “quotes” and x ≤ y ± 1 with √2", 1)
    without = dense_features("curly “quotes” and x <= y +- 1 with sqrt2", 1)
    maths = DENSE_NAMES.index("math_chars")
    assert with_symbols[maths] > without[maths]
