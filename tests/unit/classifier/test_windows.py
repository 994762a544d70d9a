from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from classifier import windows
from classifier.windows import _merged, _widen, around, keyword_anchors


def _around_each(text: str, anchors: list[tuple[int, int]], before: int, after: int) -> list:
    """The definition: widen every window, then merge the overlapping ones."""
    return _merged(
        sorted(_widen(text, max(0, s - before), min(len(text), e + after)) for s, e in anchors)
    )


@st.composite
def _text_and_anchors(draw: st.DrawFn) -> tuple[str, list[tuple[int, int]]]:
    text = draw(st.text(alphabet=st.sampled_from("ab \n\u3000x"), max_size=400))
    anchors = []
    for _ in range(draw(st.integers(0, 8))):
        start = draw(st.integers(0, len(text)))
        anchors.append((start, draw(st.integers(start, min(len(text), start + 6)))))
    return text, anchors


@settings(max_examples=500, deadline=None)
@given(case=_text_and_anchors(), before=st.integers(0, 80), after=st.integers(0, 120))
def test_around_merges_first_and_equals_widening_every_window(
    case: tuple[str, list[tuple[int, int]]], before: int, after: int
) -> None:
    text, anchors = case
    assert around(text, anchors, before, after) == _around_each(text, anchors, before, after)


def test_widen_stops_at_whitespace_or_after_64_characters() -> None:
    text = "alpha beta" + "x" * 100
    # "beta" + 100 x is one run from 6 to 110: each edge moves to it, at most 64 characters
    assert _widen(text, 7, 8) == (6, 72)
    assert _widen(text, 50, 51) == (6, 110)
    assert _widen(text, 80, 81) == (16, 110)
    assert _widen("one two", 4, 5) == (4, 7)


def test_keyword_anchors_find_every_occurrence() -> None:
    assert keyword_anchors("key: k key", ("key", "k")) == [(0, 3), (7, 10), (0, 1), (5, 6), (7, 8)]


def test_keyword_anchors_take_more_needles_than_the_c_table_holds() -> None:
    needles = tuple(f"k{i:03d}" for i in range(windows.FIND_ALL_MAX + 6))
    text = "x k000 y k069 z k0" + needles[-1]
    assert sorted(windows.keyword_anchors(text, needles)) == sorted(
        windows.find_each(text, needles)
    )
    assert windows.keyword_anchors(text, needles)  # found something
