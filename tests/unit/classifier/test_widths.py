"""`widths`: invisible characters dropped, full-width forms, other spaces, dashes and digits
as ASCII, unspaced scripts blanked for the detectors; the C kernel held to the reference."""

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
    assert widths.fold_reference(text, blank) == want
    seen = widths.views(text)
    assert (seen.detect if blank else seen.plain) == want


@pytest.mark.parametrize(
    ("text", "visible", "kept"),
    [
        ("a\u00adb", "ab", [0, 2]),  # a soft hyphen in Latin-1 text
        ("AKIA\u200bIO\ufeff", "AKIAIO", [0, 1, 2, 3, 5, 6]),
        ("\u200b\u200c\u200d", "", []),
        ("x\u200b\uff14", "x4", [0, 2]),  # dropped and folded
    ],
)
def test_invisible_characters_are_dropped(text: str, visible: str, kept: list[int]) -> None:
    assert _listed(widths.views(text)) == widths.Views(visible, visible, kept)
    assert widths.views_reference(text) == widths.Views(visible, visible, kept)


def _listed(seen: widths.Views) -> widths.Views:
    """`seen` with its offsets as a list (the C path gives a view of its int64 bytes)."""
    return widths.Views(seen.plain, seen.detect, None if seen.kept is None else list(seen.kept))


def test_a_text_with_nothing_to_change_is_returned_as_it_is() -> None:
    for text in ("plain ASCII", "caf\u00e9 \u2019quoted\u2019", "\u00e9\u00ff", ""):
        assert widths.views(text) == widths.Views(text, text, None)
        assert widths.views(text).plain is text
        assert widths.views_reference(text) == widths.Views(text, text, None)
    assert widths.views("\u6f22\u5b57") == widths.Views("\u6f22\u5b57", "  ", None)


# every kind of character the views look at: ASCII, Latin-1, full-width forms and their
# neighbours, digits of many scripts (and the Nd characters of the supplementary plane),
# unspaced scripts at their range edges, spaces, dashes, invisible characters, and
# characters that look like digits but are not Nd
_EDGES = (0xFF00, 0xFF01, 0xFF10, 0xFF5E, 0xFF5F, 0xFF60, 0xFF61, 0xFFDC, 0xFFDD, 0x3000,
          0x3001, 0x30FF, 0x3100, 0x0DFF, 0x0E00, 0x0EFF, 0x0F00, 0x4E00, 0x9FFF, 0xAC00,
          0xD7AF, 0x20000, 0x3FFFF, 0x40000, 0x2460, 0x00B2, 0x1D7CE, 0x1FBF0, 0x104A0,
          0x00A0, 0x00A1, 0x00AD, 0x1680, 0x1FFF, 0x2000, 0x200A, 0x200B, 0x200F, 0x2010,
          0x2015, 0x2016, 0x202F, 0x205F, 0x2212, 0x2213, 0xFE58, 0xFE63, 0x180E, 0x2060,
          0x2064, 0x2065, 0xFEFF)  # fmt: skip
_CHARS = st.one_of(
    st.characters(max_codepoint=0x2FF),
    st.sampled_from([chr(code) for code in _EDGES]),
    st.characters(categories=["Nd", "Lo", "Zs", "Pd", "Cf"]),
)


@settings(max_examples=600, deadline=None)
@given(text=st.text(_CHARS, max_size=30))
@example(text="\U0001d7ce\U0001fbf0\U000104a0")  # mathematical, segmented, Osmanya digits
@example(text="\u00e9\u00a0\u00ad")  # Latin-1 with both of its candidates
def test_the_c_views_equal_the_reference(text: str) -> None:
    want = widths.views_reference(text)
    assert (
        len(want.plain) == len(want.detect) == len(text) - sum(c in widths.INVISIBLE for c in text)
    )
    if native.kernels is not None:
        assert _listed(widths.views(text)) == want


@settings(max_examples=500, deadline=None)
@given(
    text=st.text(st.one_of(_CHARS, st.sampled_from(sorted(widths.INVISIBLE))), max_size=30),
    cuts=st.lists(st.tuples(st.integers(0, 30), st.integers(1, 10)), max_size=4),
)
def test_spans_without_invisible_characters_map_back_to_the_same_characters(
    text: str, cuts: list[tuple[int, int]]
) -> None:
    visible, kept = widths.drop_invisible_reference(text)
    if kept is None:
        assert visible == text
        return
    spans = [("X", s, min(s + n, len(visible))) for s, n in cuts if s < len(visible)]
    for (_, s, e), (_, start, end) in zip(spans, widths.to_original(spans, kept), strict=True):
        inside = text[start:end]
        assert "".join(c for c in inside if c not in widths.INVISIBLE) == visible[s:e]
        assert inside[0] == visible[s] and inside[-1] == visible[e - 1]
