"""The distillation pipeline on tiny synthetic data with the outcome teacher (no network)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from classifier import distill
from classifier.commands import EXIT_INCOMPLETE, distill_main
from classifier.workdir import Manifest, append_labels, read_labels

HARD = ["prove the theorem about {} with a rigorous induction argument", "derive {} in detail"]
EASY = ["say hi to {}", "what colour is {}"]


def _write(path: Path, rows: Sequence[Mapping[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture
def corpus(tmp_path: Path) -> dict[str, Path]:
    """60 training prompts (half hard), 20 held-out graded prompts, one of them also in the
    corpus (it must not train the student)."""
    words = [f"topic{i}" for i in range(40)]
    train = [(t.format(w), 1.0) for w in words[:15] for t in HARD[:1]]
    train += [(t.format(w), 1.0) for w in words[15:30] for t in HARD[1:]]
    train += [(t.format(w), 0.0) for w in words[:30] for t in EASY[:1]]
    held = [(HARD[0].format(w), 0.0, 1.0) for w in words[30:40]]
    held += [(EASY[1].format(w), 1.0, 1.0) for w in words[30:40]]
    held[-1] = (held[-1][0], 0.0, 0.0)
    corpus = [{"prompt": text} for text, _ in train] + [{"prompt": held[0][0]}]
    return {
        "prompts": _write(tmp_path / "chat.jsonl", corpus),
        "teacher": _write(tmp_path / "teach.jsonl", [{"prompt": t, "label": y} for t, y in train]),
        "eval": _write(
            tmp_path / "held.jsonl", [{"prompt": t, "weak": w, "strong": s} for t, w, s in held]
        ),
        "work": tmp_path / "work",
        "out": tmp_path / "out" / "student.skops",
    }


def _argv(c: dict[str, Path], *extra: str) -> list[str]:
    return [
        "--prompts", str(c["prompts"]), "--teacher", "outcome", "--work-dir", str(c["work"]),
        "--out", str(c["out"]), "--teacher-data", str(c["teacher"]), "--eval-data",
        str(c["eval"]), "--n-bits", "10", "--data", "/nonexistent", *extra,
    ]  # fmt: skip


def test_outcome_teacher_pipeline_resumes_and_skips_finished_stages(
    corpus: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    assert distill_main(_argv(corpus, "--limit", "25")) == EXIT_INCOMPLETE
    assert "re-run the same command" in capsys.readouterr().err
    labels_path = corpus["work"] / "labels.jsonl"
    assert len(labels_path.read_text().splitlines()) == 25
    assert not corpus["out"].exists()

    assert distill_main(_argv(corpus)) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["labels"] == {"new": 36, "reused": 25, "missing": 0}
    assert len(read_labels(labels_path)) == 61
    assert summary["train"]["dropped_held_out"] == 1  # the held-out prompt in the corpus
    metrics = summary["metrics"]["held"]
    assert metrics["rows"] == 20 and metrics["teacher"]["auc"] == 1.0  # the oracle
    assert metrics["student"]["auc"] > 0.9  # "prove ... induction" is learnable
    card = json.loads(corpus["out"].with_name("student.card.json").read_text())
    assert card["student"]["weights_sha256"] == summary["weights_sha256"]
    assert card["data"]["prompts"][0]["sha256"]

    assert distill_main(_argv(corpus)) == 0
    again = json.loads(capsys.readouterr().out)
    assert again["labels"]["skipped"] and again["train"]["skipped"]
    assert again["weights_sha256"] == summary["weights_sha256"]


def test_changed_teacher_data_relabels_everything(corpus: dict[str, Path]) -> None:
    assert distill_main(_argv(corpus, "--limit", "10")) == EXIT_INCOMPLETE
    rows = corpus["teacher"].read_text().splitlines()
    corpus["teacher"].write_text("\n".join(rows[:-1]) + "\n")  # a different teacher
    assert distill_main(_argv(corpus, "--limit", "5")) == EXIT_INCOMPLETE
    assert len(read_labels(corpus["work"] / "labels.jsonl")) == 5


def test_prompts_without_an_outcome_are_recorded_not_retried(
    corpus: dict[str, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    extra = corpus["prompts"].with_name("more.jsonl")
    _write(extra, [{"prompt": "a prompt nobody graded"}])
    argv = _argv(corpus)
    argv[1] = f"{corpus['prompts']},{extra}"
    assert distill_main(argv) == 0
    assert json.loads(capsys.readouterr().out)["train"]["no_label"] == 1


def test_same_seed_gives_the_same_weights_in_a_fresh_work_dir(
    corpus: dict[str, Path], tmp_path: Path
) -> None:
    config = distill.DistillConfig(
        (corpus["prompts"],), "outcome", corpus["work"], corpus["out"],
        teacher_data=corpus["teacher"], eval_data=corpus["eval"], n_bits=10,
    )  # fmt: skip
    first = distill.run(config)["weights_sha256"]
    other = distill.DistillConfig(
        (corpus["prompts"],), "outcome", tmp_path / "w2", tmp_path / "o2.skops",
        teacher_data=corpus["teacher"], eval_data=corpus["eval"], n_bits=10,
    )  # fmt: skip
    assert distill.run(other)["weights_sha256"] == first


def test_usage_errors(corpus: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(SystemExit) as exc:
        distill_main([*_argv(corpus)[:-2], "--teacher", "judge"])
    assert exc.value.code == 2
    monkeypatch.delenv("NO_SUCH_KEY_VAR", raising=False)
    judge = ["--teacher", "judge", "--judge-base-url", "http://127.0.0.1:9/v1",
             "--judge-model", "m", "--judge-api-key-env", "NO_SUCH_KEY_VAR"]  # fmt: skip
    with pytest.raises(SystemExit):
        distill_main(_argv(corpus) + judge)


def test_label_file_survives_a_torn_last_line(tmp_path: Path) -> None:
    path = tmp_path / "labels.jsonl"
    append_labels(path, {"a": 0.5, "b": float("nan")})
    with path.open("a") as handle:
        handle.write('{"id": "c", "lab')  # killed mid-write
    assert read_labels(path).keys() == {"a", "b"}
    append_labels(path, {"d": 1.0})
    labels = read_labels(path)
    assert labels.keys() == {"a", "b", "d"} and labels["d"] == 1.0


def test_manifest_detects_a_changed_output(tmp_path: Path) -> None:
    manifest = Manifest(tmp_path)
    output = tmp_path / "x.jsonl"
    output.write_text("1\n")
    manifest.start("s", "k1")
    assert not manifest.is_done("s", "k1", output) and manifest.started_with("s") == "k1"
    manifest.finish("s", "k1", output)
    assert Manifest(tmp_path).is_done("s", "k1", output)
    assert not manifest.is_done("s", "k2", output)
    output.write_text("2\n")
    assert not manifest.is_done("s", "k1", output)
