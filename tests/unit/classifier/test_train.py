from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from classifier import datasets, gated_fit
from classifier.features import Featurizer
from classifier.gated_fit import Stage, dataset_weights, expert_columns, fit_experts, fit_stage
from classifier.train import main


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


def _stage(seed: int) -> Stage:
    rng = random.Random(seed)
    words = ["add", "prove", "list", "poem", "integral", "apples", "why", "cost", "17", "$3"]
    examples = [
        datasets.Example(
            rng.choice(["a", "b"]), " ".join(rng.choices(words, k=rng.randint(1, 40))), 0.0, False
        )
        for _ in range(300)
    ]
    # Longer prompts are harder, so the experts have something to learn.
    examples = [
        datasets.Example(e.dataset, e.text, float(len(e.text) > 120 + rng.randint(-40, 40)), False)
        for e in examples
    ]
    return fit_stage(examples, Featurizer(10), seed=0)


def test_linear_expert_design_has_no_product_weights() -> None:
    (coef, _), _ = fit_experts(_stage(1), {"a": ("linear", 1.0)})
    used = np.flatnonzero(coef)
    assert used.size > 0
    assert set(used) <= set(expert_columns("linear"))
    assert expert_columns("full").size == coef.size


def test_domains_without_a_design_get_the_default_expert() -> None:
    stage = _stage(2)
    (_, _), (coef, intercept) = fit_experts(stage, {"a": ("linear", 1.0)})
    (_, _), (want, want_intercept) = fit_experts(stage, {})
    np.testing.assert_array_equal(coef, want)
    assert intercept == want_intercept
    assert np.count_nonzero(coef) > expert_columns("linear").size


def test_gate_prior_favours_its_domain(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gated_fit, "GATE_PRIOR", {})
    plain = _stage(3).gate[2]
    monkeypatch.setattr(gated_fit, "GATE_PRIOR", {"b": 2.5})
    np.testing.assert_allclose(_stage(3).gate[2] - plain, [0.0, 2.5], rtol=0, atol=1e-12)
