"""The distillation work dir: one file per stage plus a manifest, so runs resume where they stop.

The manifest (`manifest.json`) records, per stage, the key of its inputs (a sha256 over the
input files' hashes, the teacher's fingerprint, the seed and settings, and the keys of the
stages it reads) and, once finished, the sha256 of its output file. A stage whose key and
output hash still match is skipped; a changed key reruns it and, through the keys, every stage
after it. The manifest is replaced atomically (write, then rename).

Label files are JSONL, one `{"id", "label"}` per line (`label` null: the teacher has none),
appended and flushed batch by batch. An interrupted run leaves at most a torn last line, which
is cut off before the next append; a re-run labels only the ids not yet in the file.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from classifier.teachers import Prompt


def sha256_file(path: Path) -> str:
    """sha256 of a file's bytes, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def stage_key(*parts: Any) -> str:
    """sha256 of the JSON of `parts` (sorted keys): the identity of a stage's inputs."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


class Manifest:
    """`manifest.json` of a work dir: {stage: {"key", "done", "sha256"}}."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._path = folder / "manifest.json"
        folder.mkdir(parents=True, exist_ok=True)
        loaded = json.loads(self._path.read_text(encoding="utf-8")) if self._path.is_file() else {}
        self._stages: dict[str, dict[str, Any]] = dict(loaded.get("stages", {}))

    def is_done(self, stage: str, key: str, output: Path) -> bool:
        """The stage finished with these inputs and its output file is unchanged since."""
        entry = self._stages.get(stage, {})
        return bool(
            entry.get("key") == key
            and entry.get("done")
            and output.is_file()
            and entry.get("sha256") == sha256_file(output)
        )

    def started_with(self, stage: str) -> str | None:
        """The key a stage was last started (or finished) with."""
        key = self._stages.get(stage, {}).get("key")
        return str(key) if key is not None else None

    def start(self, stage: str, key: str) -> None:
        self._stages[stage] = {"key": key, "done": False}
        self._write()

    def finish(self, stage: str, key: str, output: Path) -> None:
        self._stages[stage] = {"key": key, "done": True, "sha256": sha256_file(output)}
        self._write()

    def _write(self) -> None:
        partial = self._path.with_suffix(".tmp")
        partial.write_text(json.dumps({"stages": self._stages}, indent=2, sort_keys=True) + "\n")
        partial.replace(self._path)


def read_labels(path: Path) -> dict[str, float]:
    """{id: label} of a label file (NaN for null); torn or bad lines are skipped."""
    labels: dict[str, float] = {}
    if not path.is_file():
        return labels
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            record = json.loads(line)
            value = record["label"]
            labels[str(record["id"])] = math.nan if value is None else float(value)
        except (ValueError, KeyError, TypeError):
            continue
    return labels


def _cut_torn_tail(path: Path) -> None:
    """Drop a last line without its newline (a write interrupted midway)."""
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        with path.open("r+b") as handle:
            handle.truncate(data.rfind(b"\n") + 1)


def append_labels(path: Path, labels: Mapping[str, float]) -> None:
    """Append one line per label and flush it to disk before returning."""
    if path.is_file():
        _cut_torn_tail(path)
    lines = "".join(
        json.dumps({"id": key, "label": None if math.isnan(value) else value}) + "\n"
        for key, value in labels.items()
    )
    with path.open("a", encoding="utf-8") as handle:
        handle.write(lines)
        handle.flush()
        os.fsync(handle.fileno())


def write_collected(path: Path, items: Sequence[Prompt]) -> None:
    """`collected.jsonl`: one {"id", "text", "turns", "dataset"} per prompt, written atomically."""
    partial = path.with_suffix(".tmp")
    with partial.open("w", encoding="utf-8") as handle:
        for p in items:
            record = {"id": p.id, "text": p.text, "turns": p.turns, "dataset": p.dataset}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    partial.replace(path)


def read_collected(path: Path) -> list[Prompt]:
    """The prompts of `collected.jsonl`, in order."""
    with path.open(encoding="utf-8") as handle:
        return [
            Prompt(str(r["id"]), str(r["text"]), int(r["turns"]), str(r["dataset"]))
            for r in map(json.loads, handle)
        ]
