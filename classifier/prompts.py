"""Prompt collections for calibration and distillation: JSONL, CSV, or the gateway's decision log.

A JSONL line is `{"messages": [...]}` (the last user message is the prompt, as at serving
time), `{"prompt": "..."}` or `{"text": "..."}`. The gateway's decision log is JSONL too; its
lines carry `prompt` only when prompt capture is on, and lines without any prompt are skipped
(counted, not fatal). A CSV needs a `prompt` or `text` column.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from classifier import messages


def prompt_of(record: Any) -> tuple[str, int] | None:
    """(prompt, n_turns) of one record, or None when it holds no prompt."""
    if not isinstance(record, dict):
        return None
    chat = record.get("messages")
    if isinstance(chat, list):
        last = messages.last_user_index(chat)
        text = messages.content_text(chat[last].get("content")) if last >= 0 else ""
        return (text, messages.count_turns(chat)) if text else None
    for key in ("prompt", "text"):
        value = record.get(key)
        if isinstance(value, str) and value:
            return value, 1
    return None


def _json(line: str) -> Any:
    try:
        return json.loads(line)
    except json.JSONDecodeError:
        return None  # a torn last line of a log being written is skipped, not fatal


def read_prompts(path: Path) -> Iterator[tuple[str, int]]:
    """Every (prompt, n_turns) in a JSONL or CSV file; records without a prompt are skipped."""
    with path.open(encoding="utf-8", newline="") as handle:
        if path.suffix.lower() == ".csv":
            csv.field_size_limit(1 << 30)
            records: Iterator[Any] = iter(csv.DictReader(handle))
        else:
            records = (_json(line) for line in handle if line.strip())
        for record in records:
            found = prompt_of(record)
            if found is not None:
                yield found
