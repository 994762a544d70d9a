"""The on-disk model: exported linear weights in a skops file that is checked before it is loaded.

The artifact holds only plain data: a dict of str, int, float and float64 numpy arrays. No
estimator objects are stored, so nothing in it can run code, and it loads in milliseconds.
Before `skops.io.load` sees the file, every node of its schema is compared with an explicit
allow-list of (module, class, loader) triples; an artifact that names any other type (an
sklearn estimator, a function, an OrderedDict) is refused with `ArtifactError`. `skops.io.load`
is then called with exactly the same allow-list as its trusted types, so the check is done
twice by two independent readers.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

FORMAT = "tiergate-classifier"
VERSION = 1
_ALLOWED_NODES = frozenset(
    {
        ("builtins", "dict", "DictNode"),
        ("builtins", "list", "ListNode"),
        ("builtins", "str", "JsonNode"),
        ("builtins", "int", "JsonNode"),
        ("builtins", "float", "JsonNode"),
        ("builtins", "bool", "JsonNode"),
        ("builtins", "str", "TypeNode"),
        ("numpy", "ndarray", "NdArrayNode"),
    }
)
_TRUSTED = sorted({f"{module}.{name}" for module, name, _ in _ALLOWED_NODES})


class ArtifactError(Exception):
    """The classifier artifact is missing, malformed, or contains a type that is not trusted."""


@dataclass(frozen=True, slots=True)
class LinearHead:
    """A logistic-regression head exported as arrays: hashed-feature and dense weights."""

    weights: npt.NDArray[np.float64]
    dense_weights: npt.NDArray[np.float64]
    intercept: float


def _schema_nodes(node: Any) -> Iterator[tuple[str, str, str]]:
    if isinstance(node, dict):
        if "__class__" in node:
            yield (str(node.get("__module__")), str(node["__class__"]),
                   str(node.get("__loader__")))  # fmt: skip
        for value in node.values():
            yield from _schema_nodes(value)
    elif isinstance(node, list):
        for value in node:
            yield from _schema_nodes(value)


def untrusted_types(path: Path) -> list[str]:
    """Types named in the artifact's schema that are not on the allow-list (empty when clean)."""
    try:
        with zipfile.ZipFile(path) as archive:
            schema = json.loads(archive.read("schema.json"))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise ArtifactError(f"{path}: not a readable skops artifact ({exc})") from exc
    return sorted({f"{m}.{c} ({ld})" for m, c, ld in _schema_nodes(schema)
                   if (m, c, ld) not in _ALLOWED_NODES})  # fmt: skip


def save_head(path: Path, head: LinearHead, n_bits: int, metadata: dict[str, Any]) -> None:
    """Write `head` as a compressed skops artifact (plain dict of arrays and scalars)."""
    import skops.io

    content = {
        "format": FORMAT,
        "version": VERSION,
        "n_bits": n_bits,
        "weights": np.ascontiguousarray(head.weights, dtype=np.float64),
        "dense_weights": np.ascontiguousarray(head.dense_weights, dtype=np.float64),
        "intercept": float(head.intercept),
        "metadata": json.dumps(metadata, sort_keys=True),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    skops.io.dump(content, path, compression=zipfile.ZIP_DEFLATED, compresslevel=9)


def _array(content: dict[str, Any], key: str, size: int) -> npt.NDArray[np.float64]:
    value = content.get(key)
    if not isinstance(value, np.ndarray) or value.dtype != np.float64 or value.shape != (size,):
        raise ArtifactError(f"artifact field {key!r} must be a float64 array of shape ({size},)")
    if not np.all(np.isfinite(value)):
        raise ArtifactError(f"artifact field {key!r} has non-finite values")
    value.flags.writeable = False
    return value


def load_head(path: Path, n_dense: int) -> tuple[LinearHead, int]:
    """Check, then load, an artifact written by `save_head`; return the head and its n_bits."""
    import skops.io

    if not path.is_file():
        raise ArtifactError(f"classifier artifact not found: {path}")
    bad = untrusted_types(path)
    if bad:
        raise ArtifactError(f"{path}: refusing artifact with untrusted types: {', '.join(bad)}")
    try:
        content = skops.io.load(path, trusted=_TRUSTED)
    except Exception as exc:  # skops raises many types for a corrupt file; all mean "refuse"
        raise ArtifactError(f"{path}: cannot load artifact ({exc})") from exc
    if not isinstance(content, dict) or content.get("format") != FORMAT:
        raise ArtifactError(f"{path}: not a {FORMAT} artifact")
    if content.get("version") != VERSION:
        raise ArtifactError(f"{path}: artifact version {content.get('version')!r} != {VERSION}")
    n_bits = content.get("n_bits")
    if not isinstance(n_bits, int) or not 8 <= n_bits <= 24:
        raise ArtifactError(f"{path}: bad n_bits {n_bits!r}")
    intercept = content.get("intercept")
    if not isinstance(intercept, float):
        raise ArtifactError(f"{path}: bad intercept {intercept!r}")
    head = LinearHead(
        weights=_array(content, "weights", 1 << n_bits),
        dense_weights=_array(content, "dense_weights", n_dense),
        intercept=intercept,
    )
    return head, n_bits
