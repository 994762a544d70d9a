"""The numeric detectors' shortcuts find what their patterns find over the number windows:
the candidates read off each digit run (C and reference), the phone and IBAN patterns sought
from a window's first run, the ID labels' numbers, and the SSN context's leading class."""

from __future__ import annotations

import re
import struct

from hypothesis import example, given, settings
from hypothesis import strategies as st

from classifier import context, native, windows
from classifier.detectors import ascii_lower, build_detectors
from classifier.numeric import (
    CARD,
    IPV4,
    SSN_BARE,
    SSN_SEPARATED,
    _cue_in_reach,
    _in_window,
    _shaped,
    find,
    iban_matches,
    number_runs,
    number_windows,
    phone_matches,
    shape_candidates_reference,
)

# Texts dense in what the number patterns look at: digits, separators, "+", "(", labels.
_NUMBERISH = st.lists(
    st.sampled_from(
        ["0", "1", "4", "9", "12", "415", "555", "2671", "4111", " ", "-", ".", "(", ")", "+",
         "/", ":", "x", "DE", "GB", "NWBK", "Phone ", "call ", "ID ", "account ", "no. ",
         "SSN ", "born ", "a", "\n"]
    ),
    max_size=40,
).map("".join)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(text=_NUMBERISH)
@example(text="call (415) 555-2671 or +44 20 7946 0958")
@example(text="IBAN GB29 NWBK 6016 1331 9268 19")
@example(text="call me on 0 123 4567 or 99 88 77")
def test_phone_and_iban_patterns_sought_from_the_first_run_find_what_the_window_holds(
    text: str,
) -> None:
    d = build_detectors().numbers
    lowered, runs = ascii_lower(text), number_runs(text, d)
    numbers = number_windows(text, runs)
    # the reference: every pattern from the window's start, no gate on a phone cue in reach
    whole = [
        span
        for start, end in numbers
        for span in _in_window(text, lowered, d, start, end, start, gated=False)
    ]
    shaped = _shaped(text, d, runs)  # cards, SSNs, IPv4: the next test
    assert find(text, lowered, d, runs, numbers) == shaped + whole + find(text, lowered, d, [], [])


# What the card, SSN and IPv4 patterns look at, with non-ASCII digits and word characters
# (`re`'s `\d` and `\w` are Unicode's) and long digit strings that hold each shape.
_SHAPED = st.lists(
    st.sampled_from(
        ["0", "1", "4", "9", "12", "415", "4111", "1111", "123", "45", "6789", "123456789",
         "4111111111111111", "8.8.8", "255", "1234", " ", " ", "-", "-", ".", ".", "_", "a",
         "x", "\n", "\u0663", "\u0967", "\u00e9", "(", ":", "/", "4111.1111", ".1111", "1111."]
    ),
    max_size=40,
).map("".join)  # fmt: skip
_PATTERNS = ((IPV4, "ipv4"), (CARD, "card"), (SSN_SEPARATED, "ssn"))


@settings(max_examples=600, deadline=None)
@given(text=_SHAPED | _NUMBERISH)
@example(text="card 1234 5678 9012 3456 7890 1234 end")  # 24 digits: back to the space
@example(text="4111-1111-1111-1111-1 and 4111 1111 1111 1111a")
@example(text="ssn 123-45-6789, 123 45 6789, 123-45 6789, 123456789-0 a123456789")
@example(
    text="4111.1111.1111.1111 1.4111.1111.1111.1111 4111.1111.1111.1111.5 4111.1111.1111.11112"
)
@example(
    text="(4111.1111.1111.1111) 4111.1111.1111.1111-x 4111.1111.1111.1111. \u0664111.1111.1111.1111"
)
@example(text="4111.1111.1111.1111a 4111/1111/1111/1111 4111:1111:1111:1111 4111.1111.1111")
@example(text="8.8.8.8 8.8.8.8.1 1.2.3.4a 1.2.3.45 1.2.3.4. 1234.5.6.7 v1.2.3.4 \u0663.2.3.4")
def test_card_ssn_and_ipv4_candidates_per_run_equal_the_patterns_over_the_windows(
    text: str,
) -> None:
    d = build_detectors().numbers
    runs = number_runs(text, d)
    # what the patterns found when they ran through every number window (before this pass)
    want = []
    for start, end in number_windows(text, runs):
        for shape, name in _PATTERNS:
            for m in getattr(d, name).finditer(text, start, end):
                bare = shape == SSN_SEPARATED and not m.group(1)
                want.append((SSN_BARE if bare else shape, *m.span()))
    reference = shape_candidates_reference(text, d, runs)
    assert sorted(reference) == sorted(want)
    if native.kernels is not None:
        got = list(struct.iter_unpack("qqq", native.kernels.number_shapes(text, runs)))
        assert got == reference


@settings(max_examples=300, deadline=None)
@given(text=_NUMBERISH)
@example(text="aadhar no. 1234 5678 9012, Aadhaar 2345 6789 0123, PAN: ABCDE1234F")
@example(text="Passport # X1234567; driver's  license D123-4567; tax id 12-3456789")
@example(text="PAN card number 'ABPCJ4567R', SSN 900-12-3456, licence no. CA_DL_98765432")
def test_id_numbers_tried_at_labels_equal_the_pattern_over_the_window(text: str) -> None:
    cues = build_detectors().cues
    want = [
        ("ID_NUMBER", *m.span(1))
        for m in cues.id_number.finditer(text, 0, len(text))
        if sum(ch.isdigit() for ch in m.group(1)) >= 4
    ]
    lowered = ascii_lower(text)
    anchors = windows.keyword_anchors(lowered, cues.id_literals, word_start=True)
    labels = context.label_starts(lowered, anchors)
    assert context._id_numbers(text, cues, 0, len(text), labels) == want


# the context words, their case-folded look-alikes (long s, dotless and dotted I, Kelvin sign)
_SSN_WORDS = st.lists(
    st.sampled_from(["ssn", "SSN", "social security", "ss#", "ss no", "itin", "ITIN", "taxpayer",
                     "Taxpayer", "\u017fsn", "\u0130TIN", "\u0131tin", "\u017focial", "a", "_",
                     " ", "-", "\n"]),
    max_size=8,
).map("".join)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(text=_SSN_WORDS)
@example(text="taxpayer")
@example(text="\u017fsn")  # a long s folds to "s"
def test_ssn_context_with_its_leading_class_finds_what_the_words_alone_find(text: str) -> None:
    words = re.compile(r"(?i)\b(?:ssn|social security|ss#|ss no|itin|taxpayer)")
    found, want = build_detectors().numbers.ssn_context.search(text), words.search(text)
    assert (found and found.span()) == (want and want.span())


# What the phone pattern's branches start with and need next: "+", "(", "(0)", groups of
# digits and separators, extensions, JSON-escaped line breaks ("\\n" before a number)
_PHONISH = st.lists(
    st.sampled_from(
        ["0", "1", "4", "12", "415", "555", "2671", "12345", "123456", "44", " ", " ", "-", ".",
         "(", ")", "+", "(0)", "x", "ext. ", "\\n", "\\t", "\\", "n", "a", "_", "\u0663",
         "/", "\t", "\n"]
    ),
    max_size=40,
).map("".join)  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(text=_PHONISH | _NUMBERISH)
@example(text="call +1 (415) 555-2671 x12 or +44 (0)20 7946 0958, fax 0.995773256 9/30/2023")
@example(text="tel:\\n+4915112345678 or \\n(030) 1234-5678")
@example(text="office (1234) 5678-901, mobile.+4915112345678, a-+12345678901")
def test_phone_pattern_tried_where_it_can_start_finds_what_it_finds_everywhere(text: str) -> None:
    d = build_detectors().numbers
    for start, end in [(0, len(text)), *number_windows(text, number_runs(text, d))]:
        for scan in (start, min(end, start + 3)):
            want = [m.span() for m in d.phone.finditer(text, scan, end)]
            assert [m.span() for m in phone_matches(text, d, scan, end)] == want


# What the IBAN pattern starts with and holds: capital pairs, digit pairs, groups of four,
# separators, word characters before them, non-ASCII digits and letters
_IBANISH = st.lists(
    st.sampled_from(
        ["GB", "DE", "ZA", "AZ", "G", "B", "29", "2", "NWBK", "6016", "1331", "926", "89", "3704",
         " ", "-", "a", "_", "\u0663", "\u00c9", "x", ".", "\n", "gb", "de", "zz", "Nw", "bk"]
    ),
    max_size=30,
).map("".join)  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(text=_IBANISH | _NUMBERISH)
@example(text="IBAN GB29 NWBK 6016 1331 9268 19, DE89370400440532013000; xGB29NWBK60161331926819")
@example(text="ZA29 NWBK 6016 1331 and AZ12-3456-7890")
@example(text="iban gb29 nwbk 6016 1331 9268 19, zz12 3456 7890 and Gb29NwBk60161331926819")
def test_iban_pattern_tried_where_it_can_start_finds_what_it_finds_everywhere(text: str) -> None:
    d = build_detectors().numbers
    for start, end in [(0, len(text)), *number_windows(text, number_runs(text, d))]:
        want = [m.span() for m in d.iban.finditer(text, start, end)]
        assert [m.span() for m in iban_matches(text, d, start, end)] == want


@settings(max_examples=300, deadline=None)
@given(
    text=st.lists(st.sampled_from(["call", "Phone", "my number", "te", "l", "fax", "x", " ",
                                   "\u00e9", "555 1234", "my", "number", "des", "k",
                                   "\u212a", "\u0130", "d", "al", "\u017f", "ms"]),
                  max_size=12).map("".join),
    start=st.integers(0, 40),
    stop=st.integers(0, 60),
)  # fmt: skip
@example(text="des\u212a: 555 1234", start=0, stop=20)  # a Kelvin sign lower-cases to "k"
def test_a_phone_cue_in_reach_is_what_the_cue_pattern_finds(
    text: str, start: int, stop: int
) -> None:
    p = build_detectors().numbers
    want = p.phone_cue.search(text[start:stop].lower()) is not None
    assert _cue_in_reach(text, ascii_lower(text), p, start, stop) == want
