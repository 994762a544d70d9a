"""Other countries' identity numbers: each layout's check, found without a label, and the run
gate (`_may_hold`) never drops what the pattern would find over the whole text."""

from __future__ import annotations

import struct

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from classifier import national_ids, native, numeric
from classifier.detectors import Detectors, build_detectors, detect
from classifier.scores import HARD_ENTITY_TYPES


def _nir_key(first13: str) -> str:
    return f"{97 - int(first13) % 97:02d}"


VALID = [
    "12345678Z",  # Spain, DNI: 12345678 mod 23 = 14 -> Z
    "12345678-Z",
    "X1234567L",  # NIE: X -> 0
    "Y-1234567-X",  # Y -> 1: 11234567 mod 23 = 10 -> X
    "529.982.247-25",  # Brazil, CPF
    "11010519491231002X",  # China: born 1949-12-31, check X
    "110105194912310029"[:17] + "X",
    "900101-1234568",  # South Korea: born 1990-01-01
    "1 85 05 78 006 084 " + _nir_key("1850578006084"),  # France, NIR
    "1850578006084" + _nir_key("1850578006084"),
    "1850578006084 " + _nir_key("1850578006084"),  # the key apart
    "AB 12 34 56 C",  # United Kingdom, NINO
    "JG103759A",
]
INVALID = [
    "12345678A",  # the DNI letter is Z
    "X1234567A",
    "529.982.247-26",  # CPF check digit
    "111.111.111-11",  # one digit repeated passes the arithmetic
    "11010519491231002Y",  # not a check character (and not in the pattern)
    "110105194912310021",  # check digit wrong
    "11010519491331002X",  # month 13
    "901301-1234568",  # month 13
    "900101-9234568",  # 9 is no century digit of the layout
    "1 85 05 78 006 084 " + f"{(int(_nir_key('1850578006084')) + 1) % 100:02d}",
    "QQ 12 34 56 C",  # Q starts no NINO series (QQ is the examples' prefix)
    "GB 12 34 56 A",  # nor does GB
    "AB 12 34 56 E",  # the suffix is A-D
]


@pytest.mark.parametrize("value", VALID)
def test_each_layout_is_found_without_a_label(value: str, detectors: Detectors) -> None:
    text = f"here it is: {value}, thanks"
    start = text.index(value)
    assert ("NATIONAL_ID", start, start + len(value)) in detect(text, detectors)
    assert "NATIONAL_ID" in HARD_ENTITY_TYPES


@pytest.mark.parametrize("value", INVALID)
def test_a_failed_check_or_series_is_no_national_id(value: str, detectors: Detectors) -> None:
    text = f"here it is: {value}, thanks"
    assert all(kind != "NATIONAL_ID" for kind, _, _ in detect(text, detectors))


@pytest.mark.parametrize(
    "text",
    [
        "price 1234.5678 and 12345678 items, 1234567 rows, 2023-01-05, 0.995773256",
        "build 12345678Za and v12345678Z",  # inside a longer word
        "call +44 20 7946 0958 or 020 7946 0958",
        "order 900101-1234567x and 123.456.789-0",
    ],
)
def test_numbers_of_other_shapes_are_left_alone(text: str, detectors: Detectors) -> None:
    assert all(kind != "NATIONAL_ID" for kind, _, _ in detect(text, detectors))


_PARTS = st.lists(
    st.sampled_from([*VALID, *INVALID, "1234", "5678", "12345678", "Z", "X", "AB", " ", "-",
                     ".", "9", "0", "a", "\n", "\u00e9"]),
    max_size=12,
).map("".join)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(text=_PARTS)
@example(text="12345678Z 12345678Z")
@example(text="AB 12 34 56 C AB 12 34 56 C")
@example(text="x-12345678Z 529.982.247-25 12345678Z\u0661 Y-1234567-X")
def test_the_run_gate_finds_what_the_pattern_finds_over_the_whole_text(text: str) -> None:
    d = build_detectors()
    want = [
        (national_ids.KIND, *m.span())
        for m in d.national.pattern.finditer(text)
        if m.lastgroup is not None and national_ids._VALID[m.lastgroup](m.group())
    ]
    runs = numeric.number_runs(text, d.numbers)
    assert national_ids.find(text, d.national, runs) == want
    if native.kernels is not None:  # the C starts equal the reference's, and so does the result
        starts = [at for (at,) in struct.iter_unpack("q", native.kernels.id_starts(text, runs))]
        assert starts == national_ids.starts_reference(text, runs)
        kernels = native.kernels
        try:
            native.kernels = None
            assert national_ids.find(text, d.national, runs) == want
        finally:
            native.kernels = kernels
