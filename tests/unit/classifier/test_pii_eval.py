from __future__ import annotations

import json
from pathlib import Path

from classifier import pii_eval


def test_nano_labels_are_located_without_a_wrapping_the_text_does_not_hold(
    tmp_path: Path,
) -> None:
    text = "Login for emily@mail.com is TaxPass987, and 'Root2024$Secure' for root."
    rows = [
        {
            "text": text,
            "has_pii": True,
            "NER": [
                {"entity": "*TaxPass987", "label": "PASSWORD"},  # markdown emphasis
                {"entity": "'Root2024$Secure'", "label": "PASSWORD"},  # held as written
                {"entity": "emily@mail.com", "label": "EMAIL"},
                {"entity": "*nowhere*", "label": "EMAIL"},  # not in the text at all
                {"entity": "Acme", "label": "ORG"},  # a type that is not scored
            ],
        }
    ]
    path = tmp_path / "nano.json"
    path.write_text(json.dumps(rows), encoding="utf-8")
    [(got_text, sensitive, spans)] = pii_eval.nano_items(path)
    assert got_text == text and sensitive
    assert [(kind, text[s:e]) for kind, s, e in spans] == [
        ("SECRET", "TaxPass987"),
        ("SECRET", "'Root2024$Secure'"),
        ("EMAIL", "emily@mail.com"),
    ]
