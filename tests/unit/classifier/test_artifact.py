from __future__ import annotations

import json
import zipfile
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import skops.io
from sklearn.linear_model import LogisticRegression

from classifier import ArtifactError, Classifier
from classifier.artifact import FORMAT, VERSION, read_artifact, untrusted_types
from classifier.difficulty import N_DENSE, N_STACK, GatedHead, LinearHead
from classifier.train import save_head


def _head(n_bits: int = 10, gate_bits: int = 6) -> GatedHead:
    rng = np.random.default_rng(0)
    base = LinearHead(rng.normal(size=1 << n_bits), rng.normal(size=N_DENSE), -0.25)
    return GatedHead(
        base, n_bits, gate_bits, ("a", "b"), rng.normal(size=(1 << gate_bits, 2)),
        rng.normal(size=2), rng.normal(size=(2, N_STACK)) * 0.1, rng.normal(size=2),
    )  # fmt: skip


def test_save_load_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "model.skops"
    head = _head()
    save_head(path, head, {"note": "test"})
    loaded = GatedHead.from_content(read_artifact(path))
    assert loaded.n_bits == 10 and loaded.domains == ("a", "b") and loaded.base.intercept == -0.25
    for name in ("gate_weights", "gate_intercepts", "expert_weights", "expert_intercepts"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(head, name))
    np.testing.assert_array_equal(loaded.base.weights, head.base.weights)
    assert untrusted_types(path) == []
    assert 0.0 < Classifier.load(path).score_text("hello").difficulty < 1.0


def test_lean_reader_agrees_with_skops_load(tmp_path: Path) -> None:
    path = tmp_path / "model.skops"
    save_head(path, _head(), {"note": "test"})
    ours, theirs = read_artifact(path), skops.io.load(path, trusted=[])
    assert ours.keys() == theirs.keys()
    for key, value in theirs.items():
        if isinstance(value, np.ndarray):
            np.testing.assert_array_equal(ours[key], value)
        else:
            assert ours[key] == value


def _tampered(path: Path, extra: object) -> Path:
    content: dict[str, Any] = {"format": FORMAT, "version": VERSION} | _head().to_content()
    content["extra"] = extra
    skops.io.dump(content, path, compression=zipfile.ZIP_DEFLATED)
    return path


@pytest.mark.parametrize(
    "extra",
    [LogisticRegression(), OrderedDict(a=1), np.float32(1.0)],
    ids=["estimator", "odict", "npscalar"],
)
def test_artifact_with_an_untrusted_type_is_refused(tmp_path: Path, extra: object) -> None:
    path = _tampered(tmp_path / "bad.skops", extra)
    with pytest.raises(ArtifactError, match="untrusted types"):
        Classifier.load(path)


def test_artifact_with_edited_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "model.skops"
    save_head(path, _head(), {})
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    schema = json.loads(members["schema.json"])
    schema["content"]["metadata"] |= {"__module__": "os", "__class__": "system",
                                      "__loader__": "ObjectNode"}  # fmt: skip
    members["schema.json"] = json.dumps(schema).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(ArtifactError, match="untrusted types"):
        Classifier.load(path)


def test_missing_corrupt_and_foreign_artifacts_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ArtifactError, match="not found"):
        Classifier.load(tmp_path / "absent.skops")
    (tmp_path / "junk.skops").write_bytes(b"not a zip")
    with pytest.raises(ArtifactError, match="not a readable"):
        Classifier.load(tmp_path / "junk.skops")
    skops.io.dump({"format": "other"}, tmp_path / "other.skops")
    with pytest.raises(ArtifactError, match="not a tiergate"):
        Classifier.load(tmp_path / "other.skops")


def test_wrong_shapes_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "shape.skops"
    head = _head()
    bad = GatedHead(
        LinearHead(head.base.weights, np.zeros(N_DENSE + 1), 0.0), head.n_bits, head.gate_bits,
        head.domains, head.gate_weights, head.gate_intercepts, head.expert_weights,
        head.expert_intercepts,
    )  # fmt: skip
    save_head(path, bad, {})
    with pytest.raises(ArtifactError, match="dense_weights"):
        Classifier.load(path)
