from __future__ import annotations

import zipfile
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
import skops.io
from sklearn.linear_model import LogisticRegression

from classifier import ArtifactError, Classifier
from classifier.artifact import FORMAT, LinearHead, load_head, save_head, untrusted_types
from classifier.features import DENSE_NAMES

_N_DENSE = len(DENSE_NAMES)


def _head(n_bits: int) -> LinearHead:
    rng = np.random.default_rng(0)
    return LinearHead(rng.normal(size=1 << n_bits), rng.normal(size=_N_DENSE), -0.25)


def test_save_load_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "model.skops"
    head = _head(10)
    save_head(path, head, 10, {"note": "test"})
    loaded, n_bits = load_head(path, _N_DENSE)
    assert n_bits == 10 and loaded.intercept == -0.25
    np.testing.assert_array_equal(loaded.weights, head.weights)
    np.testing.assert_array_equal(loaded.dense_weights, head.dense_weights)
    assert untrusted_types(path) == []
    assert Classifier.load(path).score_text("hello").difficulty > 0


def _tampered(path: Path, extra: object) -> Path:
    content = {
        "format": FORMAT, "version": 1, "n_bits": 8, "weights": np.zeros(256),
        "dense_weights": np.zeros(_N_DENSE), "intercept": 0.0, "metadata": "{}", "extra": extra,
    }  # fmt: skip
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
    save_head(path, LinearHead(np.zeros(256), np.zeros(_N_DENSE + 1), 0.0), 8, {})
    with pytest.raises(ArtifactError, match="dense_weights"):
        Classifier.load(path)
