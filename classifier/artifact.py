"""The on-disk model: plain arrays and scalars in a skops file, checked before it is read.

The artifact holds only plain data: a dict of str, int, float, lists of str and float64 numpy
arrays. No estimator objects are stored, so nothing in it can run code. Every node of the
file's schema is compared with an explicit allow-list of (module, class, loader) triples; an
artifact that names any other type (an sklearn estimator, a function, an OrderedDict) is
refused with `ArtifactError`.

Writing uses `skops.io.dump` (the training side). Reading does not import skops: `import
skops.io` alone costs about one second (it pulls in scikit-learn), which would blow the 1 s
load budget. After the allow-list check the schema is walked here, with four node kinds only,
JSON scalars decoded with `json.loads` and arrays read with `np.load(allow_pickle=False)`, so
the reader cannot instantiate anything but dicts, lists, JSON values and numeric arrays. A unit
test holds this reader to `skops.io.load` on the same file.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

FORMAT = "tiergate-classifier"
VERSION = 2
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
FloatArray = npt.NDArray[np.float64]


class ArtifactError(Exception):
    """The classifier artifact is missing, malformed, or contains a type that is not trusted."""


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


def save_artifact(path: Path, content: dict[str, Any]) -> None:
    """Write `content` (str keys; str, int, float, list of str, float arrays) with skops."""
    import skops.io

    path.parent.mkdir(parents=True, exist_ok=True)
    skops.io.dump(content, path, compression=zipfile.ZIP_DEFLATED, compresslevel=9)


def _node(archive: zipfile.ZipFile, node: Any) -> Any:
    loader = node.get("__loader__") if isinstance(node, dict) else None
    if loader == "JsonNode":
        return json.loads(node["content"])
    if loader == "DictNode":
        return {key: _node(archive, value) for key, value in node["content"].items()}
    if loader == "ListNode":
        return [_node(archive, value) for value in node["content"]]
    if loader == "NdArrayNode" and node.get("type") == "numpy":
        with archive.open(str(node["file"])) as handle:
            return np.load(handle, allow_pickle=False)
    raise ArtifactError(f"unexpected node {loader!r}")


def read_artifact(path: Path) -> dict[str, Any]:
    """Check the schema against the allow-list, then read the content without skops."""
    if not path.is_file():
        raise ArtifactError(f"classifier artifact not found: {path}")
    bad = untrusted_types(path)
    if bad:
        raise ArtifactError(f"{path}: refusing artifact with untrusted types: {', '.join(bad)}")
    try:
        with zipfile.ZipFile(path) as archive:
            content = _node(archive, json.loads(archive.read("schema.json")))
    except ArtifactError as exc:
        raise ArtifactError(f"{path}: cannot load artifact ({exc})") from exc
    except (OSError, KeyError, TypeError, ValueError, zipfile.BadZipFile) as exc:
        raise ArtifactError(f"{path}: cannot load artifact ({exc})") from exc
    if not isinstance(content, dict) or content.get("format") != FORMAT:
        raise ArtifactError(f"{path}: not a {FORMAT} artifact")
    if content.get("version") != VERSION:
        raise ArtifactError(f"{path}: artifact version {content.get('version')!r} != {VERSION}")
    return content


def float_array(
    content: dict[str, Any], key: str, shape: tuple[int, ...], dtype: type = np.float64
) -> FloatArray:
    """`content[key]` as a read-only array of `dtype` (float64 unless said) of exactly `shape`,
    all finite."""
    value = content.get(key)
    if not isinstance(value, np.ndarray) or value.dtype != dtype or value.shape != shape:
        name = np.dtype(dtype).name
        raise ArtifactError(f"artifact field {key!r} must be a {name} array of shape {shape}")
    if not np.all(np.isfinite(value)):
        raise ArtifactError(f"artifact field {key!r} has non-finite values")
    value.flags.writeable = False
    return value


def int_field(content: dict[str, Any], key: str, low: int, high: int) -> int:
    """`content[key]` as an int in [low, high]."""
    value = content.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ArtifactError(f"artifact field {key!r} must be an int in [{low}, {high}]")
    return value


def float_field(content: dict[str, Any], key: str) -> float:
    """`content[key]` as a finite float."""
    value = content.get(key)
    if not isinstance(value, float) or not np.isfinite(value):
        raise ArtifactError(f"artifact field {key!r} must be a finite float")
    return value
