"""`pii_negatives`: the all-`O` text the PII student must not call personal data."""

from __future__ import annotations

import re

from classifier import pii_negatives


def test_lookalike_negatives_are_all_o_and_seeded() -> None:
    first = pii_negatives.lookalike_negatives(300, seed=0)
    assert len(first) == 300
    assert all(sample.spans == () and sample.text.strip() for sample in first)
    assert not any(sample.sensitive for sample in first)
    assert [s.text for s in first] == [
        s.text for s in pii_negatives.lookalike_negatives(300, seed=0)
    ]
    assert [s.text for s in first] != [
        s.text for s in pii_negatives.lookalike_negatives(300, seed=1)
    ]


def test_lookalike_negatives_cover_the_shapes_that_were_mistaken_for_addresses() -> None:
    texts = "\n".join(s.text for s in pii_negatives.lookalike_negatives(2000, seed=0))
    assert re.search(r"\b169\.254\.\d+\.\d+", texts)  # link-local, the cloud metadata address
    assert re.search(r"\b(10|192\.168)\.\d+\.\d+", texts)
    assert re.search(r"\b[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-", texts)  # UUIDs
    assert re.search(r"\bv\d+\.\d+\.\d+\b", texts)  # versions
    assert re.search(r"(?:[0-9A-F]{2}:){5}[0-9A-F]{2}", texts)  # MAC addresses
