"""`tiergate classify`: score JSON lines from stdin, one JSON line out per line in.

Kept apart from argument parsing (the lead wires it into the `tiergate` command) so it can be
tested with in-memory streams. A bad line yields `{"error": ...}` in its place and the stream
goes on: one malformed record must not lose the verdicts of the thousands around it.
"""

from __future__ import annotations

import json
from typing import Any, TextIO

from classifier import messages
from classifier.model import Classifier
from classifier.scores import Scores


def _verdict(scores: Scores, focus: int, threshold: float) -> dict[str, Any]:
    """The output record; entities are those in message `focus` (the last user message)."""
    return {
        "difficulty": round(scores.difficulty, 6),
        "sensitivity": round(scores.sensitivity, 6),
        "sensitive": scores.sensitivity >= threshold or scores.hard_entity,
        "entities": [
            {"type": e.type, "start": e.start, "end": e.end}
            for e in scores.entities
            if e.message == focus
        ],
    }


def classify_line(line: str, clf: Classifier, threshold: float) -> dict[str, Any]:
    """Score one JSON line; raises ValueError with a readable message on bad input."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ValueError(f"invalid JSON: {exc}") from None
    if isinstance(record, dict) and isinstance(record.get("messages"), list):
        chat = record["messages"]
        return _verdict(clf.score(chat), messages.last_user_index(chat), threshold)
    if isinstance(record, dict) and isinstance(record.get("text"), str):
        return _verdict(clf.score_text(record["text"]), -1, threshold)
    raise ValueError('expected an object with "messages" (a list) or "text" (a string)')


def run_classify(stdin: TextIO, stdout: TextIO, clf: Classifier, threshold: float = 0.5) -> int:
    """Classify every non-blank line of `stdin`; return 0, or 1 if any line was bad."""
    status = 0
    for line in stdin:
        if not line.strip():
            continue
        try:
            result = classify_line(line, clf, threshold)
        except ValueError as exc:
            result, status = {"error": str(exc)}, 1
        stdout.write(json.dumps(result) + "\n")
    stdout.flush()
    return status
