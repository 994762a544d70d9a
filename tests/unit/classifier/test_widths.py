"""`widths.fold`: full-width forms and non-ASCII digits as ASCII, one character for one, the C
kernel held to the Python reference."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from classifier import native, widths


@pytest.mark.parametrize(
    ("text", "blank", "want"),
    [
        ("card \uff14\uff11\uff11\uff11 \uff11\uff11", False, "card 4111 11"),  # full-width
        ("\uff4a\uff41\uff4e\uff45\uff20\uff58\uff0e\uff43\uff4f", False, "jane@x.co"),
        ("\u0660\u0665\u0665 \u06f1\u06f2\u06f3 \u0966\u0967", False, "055 123 01"),  # ar, fa, hi
        ("\u0e50\u0e58\u0e51", True, "081"),  # Thai digits stay digits when letters blank
        ("a\u3000b", False, "a b"),  # the ideographic space
        ("\u756a\u53f7\u306f4111\u3067\u3059", False, "\u756a\u53f7\u306f4111\u3067\u3059"),
        ("\u756a\u53f7\u306f4111\u3067\u3059", True, "   4111  "),  # Han and kana blanked
        ("\uce74\ub4dc 4111\uc785\ub2c8\ub2e4", True, "   4111   "),  # Hangul blanked
        ("caf\u00e9 \ufb01 \u2460 \u00b2", True, "caf\u00e9 \ufb01 \u2460 \u00b2"),  # not folded
        ("4111\u00a01111\u202f1111\u20091111", False, "4111 1111 1111 1111"),  # no-break spaces
        ("521\u201344\u20119382 \u22125", False, "521-44-9382 -5"),  # en dash, no-break hyphen
    ],
)
def test_fold(text: str, blank: bool, want: str) -> None:
    assert widths.fold(text, blank) == want
    assert widths.fold_reference(text, blank) == want


def test_a_text_with_nothing_to_fold_is_returned_as_it_is() -> None:
    for text in ("plain ASCII", "caf\u00e9 \u2019quoted\u2019", "\u6f22\u5b57", "\u00ad\u00e9"):
        assert widths.fold(text) is text
        assert widths.fold_reference(text) is text
    assert widths.fold("\u6f22\u5b57", blank_unspaced=True) == "  "


# every kind of character the fold looks at: ASCII, Latin-1, full-width forms and their
# neighbours, digits of many scripts (and the Nd characters of the supplementary plane),
# unspaced scripts at their range edges, and characters that look like digits but are not Nd
_EDGES = (0xFF00, 0xFF01, 0xFF10, 0xFF5E, 0xFF5F, 0xFF60, 0xFF61, 0xFFDC, 0xFFDD, 0x3000,
          0x3001, 0x30FF, 0x3100, 0x0DFF, 0x0E00, 0x0EFF, 0x0F00, 0x4E00, 0x9FFF, 0xAC00,
          0xD7AF, 0x20000, 0x3FFFF, 0x40000, 0x2460, 0x00B2, 0x1D7CE, 0x1FBF0, 0x104A0,
          0x00A0, 0x00A1, 0x00AD, 0x1680, 0x1FFF, 0x2000, 0x200A, 0x200B, 0x200F, 0x2010,
          0x2015, 0x2016, 0x202F, 0x205F, 0x2212, 0x2213, 0xFE58, 0xFE63)  # fmt: skip
_CHARS = st.one_of(
    st.characters(max_codepoint=0x2FF),
    st.sampled_from([chr(code) for code in _EDGES]),
    st.characters(categories=["Nd", "Lo", "Zs"]),
)


@settings(max_examples=500, deadline=None)
@given(text=st.text(_CHARS, max_size=30), blank=st.booleans())
@example(text="\U0001d7ce\U0001fbf0\U000104a0", blank=False)  # mathematical, segmented, Osmanya
def test_the_c_fold_equals_the_reference_and_keeps_every_offset(text: str, blank: bool) -> None:
    want = widths.fold_reference(text, blank)
    assert len(want) == len(text)
    if native.kernels is not None:
        assert native.kernels.fold_widths(text, blank) == want


@pytest.mark.parametrize(
    ("text", "visible", "kept"),
    [
        ("plain", "plain", None),
        ("caf\u00e9", "caf\u00e9", None),
        ("a\u00adb", "ab", [0, 2]),  # a soft hyphen in Latin-1 text
        ("AKIA\u200bIO\ufeff", "AKIAIO", [0, 1, 2, 3, 5, 6]),
        ("\u200b\u200c\u200d", "", []),
    ],
)
def test_drop_invisible(text: str, visible: str, kept: list[int] | None) -> None:
    assert widths.drop_invisible(text) == (visible, kept)
    assert widths.drop_invisible_reference(text) == (visible, kept)


@settings(max_examples=500, deadline=None)
@given(
    text=st.text(st.one_of(_CHARS, st.sampled_from(sorted(widths.INVISIBLE))), max_size=30),
    cuts=st.lists(st.tuples(st.integers(0, 30), st.integers(1, 10)), max_size=4),
)
def test_spans_without_invisible_characters_map_back_to_the_same_characters(
    text: str, cuts: list[tuple[int, int]]
) -> None:
    visible, kept = widths.drop_invisible_reference(text)
    if native.kernels is not None:
        assert widths.drop_invisible(text) == (visible, kept)
    if kept is None:
        assert visible == text
        return
    spans = [("X", s, min(s + n, len(visible))) for s, n in cuts if s < len(visible)]
    for (_, s, e), (_, start, end) in zip(spans, widths.to_original(spans, kept), strict=True):
        inside = text[start:end]
        assert "".join(c for c in inside if c not in widths.INVISIBLE) == visible[s:e]
        assert inside[0] == visible[s] and inside[-1] == visible[e - 1]
