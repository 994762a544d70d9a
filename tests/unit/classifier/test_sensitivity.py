from __future__ import annotations

from typing import Any

import pytest

from classifier import Classifier, Entity
from classifier.sensitivity import MAX_SOFT, sensitivity_of

_KEY = "AKIAIOSFODNN7EXAMPLE"


@pytest.mark.parametrize(
    ("chat", "index"),
    [
        (
            [
                {"role": "system", "content": f"Use key {_KEY} for S3."},
                {"role": "user", "content": "List my buckets."},
            ],
            0,
        ),
        (
            [
                {"role": "user", "content": f"my key is {_KEY}"},
                {"role": "assistant", "content": "Noted."},
                {"role": "user", "content": "Now summarise this article."},
            ],
            0,
        ),
        (
            [
                {"role": "user", "content": "look up the account"},
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [
                        {
                            "id": "c",
                            "type": "function",
                            "function": {"name": "lookup", "arguments": f'{{"key": "{_KEY}"}}'},
                        }
                    ],
                },
                {"role": "tool", "tool_call_id": "c", "content": "done"},
            ],
            1,
        ),
        (
            [
                {"role": "user", "content": "look up the account"},
                {
                    "role": "tool",
                    "tool_call_id": "c",
                    "content": [{"type": "text", "text": f"credentials: {_KEY}"}],
                },
            ],
            1,
        ),
    ],
)
def test_secret_anywhere_in_the_conversation_is_found(
    clf: Classifier, chat: list[dict[str, Any]], index: int
) -> None:
    from classifier.messages import message_text

    scores = clf.score(chat)
    assert scores.hard_entity and scores.sensitivity == 1.0
    secret = next(e for e in scores.entities if e.type == "SECRET")
    assert secret.message == index
    assert message_text(chat[index])[secret.start : secret.end] == _KEY


def test_soft_score_is_noisy_or_and_below_one() -> None:
    email = Entity("EMAIL", 0, 5)
    assert sensitivity_of([email]) == pytest.approx(0.5)
    assert sensitivity_of([email, Entity("EMAIL", 9, 14)]) == pytest.approx(0.5)
    assert sensitivity_of([email, Entity("PERSON", 6, 8)]) == pytest.approx(1 - 0.5 * 0.7)
    many = [
        Entity(kind, 0, 1)
        for kind in (
            "ID_NUMBER",
            "DATE_OF_BIRTH",
            "ADDRESS",
            "EMAIL",
            "PHONE_NUMBER",
            "MEDICAL",
            "PERSON",
            "FINANCIAL",
        )
    ]
    assert 0.98 < sensitivity_of(many) <= MAX_SOFT < 1.0
    assert sensitivity_of([]) == 0.0


def test_hard_entity_scores_one() -> None:
    assert sensitivity_of([Entity("CREDIT_CARD", 0, 16)]) == 1.0
