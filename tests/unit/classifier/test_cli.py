from __future__ import annotations

import io
import json
from typing import Any

from classifier import Classifier
from classifier.cli import run_classify


def _run(
    clf: Classifier, lines: list[str], threshold: float = 0.5
) -> tuple[int, list[dict[str, Any]]]:
    out = io.StringIO()
    status = run_classify(io.StringIO("\n".join(lines) + "\n"), out, clf, threshold)
    return status, [json.loads(line) for line in out.getvalue().splitlines()]


def test_text_and_messages_records_get_one_verdict_each(clf: Classifier) -> None:
    chat = {"messages": [
        {"role": "system", "content": "key AKIAIOSFODNN7EXAMPLE"},
        {"role": "user", "content": "email me at bob@example.com"},
    ]}  # fmt: skip
    status, out = _run(clf, [json.dumps({"text": "What is 2 + 2?"}), json.dumps(chat)])
    assert status == 0 and len(out) == 2
    assert set(out[0]) == {"difficulty", "sensitivity", "sensitive", "entities"}
    assert out[0]["sensitive"] is False and out[0]["entities"] == []
    assert out[1]["sensitive"] is True  # the system prompt's key counts
    assert out[1]["entities"] == [{"type": "EMAIL", "start": 12, "end": 27}]  # last user message


def test_bad_lines_get_an_error_and_processing_continues(clf: Classifier) -> None:
    status, out = _run(clf, ["{not json", '{"messages": "x"}', "[]", json.dumps({"text": "ok"})])
    assert status == 1
    assert [("error" in record) for record in out] == [True, True, True, False]


def test_threshold_decides_soft_sensitivity(clf: Classifier) -> None:
    line = json.dumps({"text": "Dr. Jane Doe will explain it"})  # PERSON only: 0.30
    assert _run(clf, [line], threshold=0.5)[1][0]["sensitive"] is False
    assert _run(clf, [line], threshold=0.3)[1][0]["sensitive"] is True
