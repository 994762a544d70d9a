"""The context cues' shortcuts find what their patterns find."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from classifier import context

# What "City, ST 12345" is made of, and what breaks it: capitals, lower-case runs, commas,
# whitespace, state codes, five and four digits, word characters before the city
_ADDRESSY = st.lists(
    st.sampled_from(["Austin", "Paris", "A", "b", "ville", ",", ", ", ",\n", " ", "  ", "TX",
                     "T", "CA", "12345", "1234", "-6789", "7", "_", "x", "\u00e9", "\u0663"]),
    max_size=24,
).map("".join)  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(text=_ADDRESSY, start=st.integers(0, 12))
@example(text="ship to Austin, TX 78701-1234 or Paris, TX 75460", start=0)
@example(text="xAustin, TX 78701, eAustin, TX 78701, \u00e9Austin, TX 78701", start=0)
@example(text="Austin, TX 78701", start=3)
@example(text="Austin, TX 78701", start=0)
def test_zip_codes_found_from_their_commas_are_what_the_pattern_finds(
    text: str, start: int
) -> None:
    cues = context.build_cues()
    want = [("ADDRESS", *m.span()) for m in cues.zip_code.finditer(text, start, len(text))]
    assert context._zip_codes(text, cues, start, len(text)) == want
