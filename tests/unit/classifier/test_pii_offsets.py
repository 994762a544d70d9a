"""`pii_spans.char_offsets`: byte offsets of word edges to character offsets, both ways."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from classifier.features import Featurizer
from classifier.pii_spans import char_offsets

_TEXT = st.text(alphabet=st.sampled_from("ab Z,.\n9éÜ漢😀-"), max_size=120)


@settings(max_examples=300, deadline=None)
@given(text=_TEXT)
def test_word_edges_map_to_the_characters_they_start_and_end(text: str) -> None:
    data = text.encode("utf-8", "replace")
    _, starts, ends, _ = Featurizer(10).words(data)
    for positions in (starts, ends):
        want = [len(data[:p].decode("utf-8")) for p in positions.tolist()]
        assert char_offsets(text, data, positions).tolist() == want  # ascending: one pass
        repeated = np.repeat(positions, 3)
        assert char_offsets(text, data, repeated).tolist() == np.repeat(want, 3).tolist()
        backwards = np.ascontiguousarray(positions[::-1])  # counted again from the start
        assert char_offsets(text, data, backwards).tolist() == want[::-1]
    for start, end, s, e in zip(
        char_offsets(text, data, starts).tolist(),
        char_offsets(text, data, ends).tolist(),
        starts.tolist(),
        ends.tolist(),
        strict=True,
    ):
        assert text[start:end].encode() == data[s:e]
