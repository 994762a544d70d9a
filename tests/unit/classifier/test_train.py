from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from classifier import datasets
from classifier.train import dataset_weights, main


def test_missing_data_folder_skips_with_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--data", str(tmp_path / "nope"), "--out", str(tmp_path / "m.skops")]) == 0
    assert "skipping training" in capsys.readouterr().err
    assert not (tmp_path / "m.skops").exists()


def test_split_is_seeded_and_order_independent() -> None:
    prompts = [f"question {i}" for i in range(1000)]
    held_out = [p for p in prompts if datasets.is_test(p, 0)]
    assert held_out == [p for p in reversed(prompts) if datasets.is_test(p, 0)][::-1]
    assert 150 < len(held_out) < 250
    assert held_out != [p for p in prompts if datasets.is_test(p, 1)]


def test_large_data_sets_are_capped() -> None:
    examples = [datasets.Example("big", str(i), 0.0, False) for i in range(6000)]
    examples += [datasets.Example("small", str(i), 1.0, False) for i in range(10)]
    weights = dataset_weights(examples)
    assert weights[:6000].sum() == pytest.approx(3000.0)
    assert np.all(weights[6000:] == 1.0)
