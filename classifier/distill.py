"""`tiergate distill`: teacher soft labels on a prompt corpus -> a fast student artifact + card.

    collect   prompt files (JSONL, CSV, decision log) -> collected.jsonl, deduplicated by id
    label     the teacher labels every collected prompt -> labels.jsonl (resumable)
    train     the difficulty head of `gated_fit.fit_gated` on the soft labels -> student.skops
    eval      the teacher labels the held-out prompts -> teacher_eval.jsonl (resumable); the
              student, the teacher, prompt length and random are scored with RouteLLM's metrics
              (`metrics`, via `card.evaluate`) per data set -> card.json
    export    student + card copied to `--out`; into the package as the default only on request

Stages are tracked by `workdir.Manifest`, so a re-run skips finished stages and an interrupted
labelling stage resumes with the missing prompt ids. Held-out prompts never train the student
(nor the embedding teacher's head): any collected prompt in the evaluation set is dropped from
training. Same inputs and seed give identical student weights (their sha256 is in the card).
"""

from __future__ import annotations

import math
import shutil
import sys
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tqdm import tqdm

from classifier import datasets, distill_card, features, gated_fit, prompts, train
from classifier.artifact import read_artifact
from classifier.difficulty import GatedHead
from classifier.judge import JudgeConfig
from classifier.teachers import (
    LabelledPrompt,
    OutcomeTeacher,
    Prompt,
    Teacher,
    cap_per_set,
    digest_rows,
    from_examples,
    prompt_id,
    read_labelled,
)
from classifier.workdir import (
    Manifest,
    append_labels,
    read_collected,
    read_labels,
    sha256_file,
    stage_key,
    write_collected,
)

PACKAGE_ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
TEACHERS = ("outcome", "embedding", "judge")


class DistillError(Exception):
    """The pipeline cannot go on (bad input, nothing to train on)."""


class IncompleteError(DistillError):
    """Labelling stopped before every prompt had a label (`--limit`, or teacher failures)."""


@dataclass(frozen=True, slots=True)
class DistillConfig:
    """Everything one `tiergate distill` run needs (see `commands.distill_main` for the CLI)."""

    prompts: tuple[Path, ...]
    teacher: str
    work_dir: Path
    out: Path
    seed: int = 0
    limit: int | None = None  # at most this many new labels in this run, then stop
    data: Path = Path("../shared/offline-data")
    teacher_data: Path | None = None  # labelled JSONL; default: the offline training splits
    eval_data: Path | None = None  # graded JSONL; default: the offline held-out splits
    max_per_set: int = 2000  # rows per data set taken from the offline data (0: all)
    n_bits: int = gated_fit.N_BITS
    k: int = 25
    judge: JudgeConfig | None = None
    cache_dir: Path | None = None  # embedding / judge answer caches (default: work_dir/cache)
    export: bool = False


@dataclass
class _Run:
    config: DistillConfig
    manifest: Manifest
    report: dict[str, Any] = field(default_factory=dict)
    spent: int = 0

    def left(self) -> int | None:
        return None if self.config.limit is None else max(self.config.limit - self.spent, 0)

    def log(self, message: str) -> None:
        print(f"[distill] {message}", file=sys.stderr, flush=True)


def collect(config: DistillConfig) -> list[Prompt]:
    """Read every prompt file; the data set name of a prompt is its file's stem."""
    seen: dict[str, Prompt] = {}
    for path in config.prompts:
        for text, turns in prompts.read_prompts(path):
            pid = prompt_id(text, turns)
            seen.setdefault(pid, Prompt(pid, text, turns, path.stem))
    if not seen:
        raise DistillError(f"no prompts found in {', '.join(map(str, config.prompts))}")
    return list(seen.values())


def labelled_rows(config: DistillConfig) -> tuple[list[LabelledPrompt], list[LabelledPrompt]]:
    """(teacher training rows, held-out graded rows), from files or the offline data."""
    examples: list[datasets.Example] = []
    if config.teacher_data is None or config.eval_data is None:
        examples = datasets.load_examples(config.data, config.seed)
    teach = (
        read_labelled(config.teacher_data)
        if config.teacher_data
        else cap_per_set(from_examples(e for e in examples if not e.test), config.max_per_set,
                         config.seed)
    )  # fmt: skip
    held = (
        read_labelled(config.eval_data)
        if config.eval_data
        else cap_per_set(from_examples(e for e in examples if e.test), config.max_per_set,
                         config.seed)
    )  # fmt: skip
    held = [r for r in held if not math.isnan(r.weak + r.strong)]
    held_ids = {r.prompt.id for r in held}
    return [r for r in teach if r.prompt.id not in held_ids], held


def build_teacher(config: DistillConfig, teach: Sequence[LabelledPrompt]) -> Teacher:
    """The teacher named by `config.teacher` (embedding and judge import their extras here)."""
    cache = config.cache_dir or config.work_dir / "cache"
    if config.teacher == "outcome":
        return OutcomeTeacher(teach)
    if config.teacher == "embedding":
        from classifier.embed_teacher import (
            EmbeddingCache,
            EmbeddingTeacher,
            EmbeddingUnavailable,
            OnnxEmbedder,
        )

        try:
            embedder = OnnxEmbedder()
        except EmbeddingUnavailable as exc:
            raise DistillError(str(exc)) from exc
        store = EmbeddingCache(cache / "embeddings", embedder.model_id)
        return EmbeddingTeacher(teach, store, embedder, k=config.k)
    if config.teacher == "judge" and config.judge is not None:
        from classifier.judge import AnswerCache, JudgeTeacher

        return JudgeTeacher(config.judge, AnswerCache(cache / "judge-answers.jsonl"))
    raise DistillError(f"unknown or unconfigured teacher {config.teacher!r}")


def label_stage(
    run: _Run, stage: str, items: Sequence[Prompt], teacher: Teacher, key: str
) -> dict[str, float]:
    """Label `items` into `<stage>.jsonl`, reusing labels stored under the same key."""
    path = run.manifest.folder / f"{stage}.jsonl"
    if run.manifest.is_done(stage, key, path):
        run.report[stage] = {"new": 0, "reused": len(items), "skipped": True}
        return read_labels(path)
    if run.manifest.started_with(stage) != key:
        path.unlink(missing_ok=True)  # labels of another teacher or corpus are not reused
        run.manifest.start(stage, key)
    have = read_labels(path)
    reused = len(have)
    todo = [p for p in items if p.id not in have]
    left = run.left()
    todo = todo if left is None else todo[:left]
    with tqdm(total=len(todo), desc=f"{stage} ({teacher.name})", unit="prompt",
              file=sys.stderr, mininterval=1.0) as bar:  # fmt: skip
        for chunk in teacher.label_batches(todo):
            fresh = {k: v for k, v in chunk.items() if k not in have}
            append_labels(path, fresh)
            have.update(fresh)
            run.spent += len(fresh)
            bar.update(len(fresh))
    missing = sum(p.id not in have for p in items)
    run.report[stage] = {"new": len(have) - reused, "reused": reused, "missing": missing}
    if missing:
        raise IncompleteError(f"{stage}: {missing} of {len(items)} prompts still unlabelled; "
                              "re-run the same command to resume")  # fmt: skip
    run.manifest.finish(stage, key, path)
    return have


def train_stage(
    run: _Run, collected: Sequence[Prompt], labels: dict[str, float], held_ids: set[str], key: str
) -> Path:
    """Fit the student on the teacher's soft labels (held-out prompts excluded)."""
    path = run.manifest.folder / "student.skops"
    rows = [p for p in collected if p.id not in held_ids and not math.isnan(labels[p.id])]
    no_label = sum(p.id not in held_ids and math.isnan(labels[p.id]) for p in collected)
    run.report["train"] = {
        "rows": dict(Counter(p.dataset for p in rows)),
        "dropped_held_out": sum(p.id in held_ids for p in collected),
        "no_label": no_label,
    }
    if run.manifest.is_done("train", key, path):
        run.report["train"]["skipped"] = True
        return path
    if not rows:
        raise DistillError("the teacher labelled none of the collected prompts")
    run.manifest.start("train", key)
    examples = [datasets.Example(p.dataset, p.text, labels[p.id], False) for p in rows]
    featurizer = features.Featurizer(run.config.n_bits)
    seed = run.config.seed
    head = gated_fit.fit_gated(examples, featurizer, seed, lambda s: run.log(f"train: {s}"))
    train.save_head(path, head, {"seed": run.config.seed, "distilled": True})
    run.manifest.finish("train", key, path)
    return path


def student_scores(path: Path, texts: Sequence[str]) -> tuple[list[float], str]:
    """Scores of the saved student on `texts` (read back from disk) and its weights sha256."""
    content = read_artifact(path)
    head = GatedHead.from_content(content)
    matrix = gated_fit.build_matrix(features.Featurizer(head.n_bits), texts)
    digest = str(distill_card.metadata_of(content).get("weights_sha256", ""))
    return gated_fit.batch_probability(head, matrix).tolist(), digest


def run(config: DistillConfig) -> dict[str, Any]:
    """Run (or resume) every stage; return the summary. Raises `IncompleteError` when labelling
    stops early, `DistillError` on bad input, `datasets.DataMissingError` without data."""
    if config.teacher not in TEACHERS:
        raise DistillError(f"--teacher must be one of {', '.join(TEACHERS)}")
    state = _Run(config, Manifest(config.work_dir))
    inputs = [(str(p), sha256_file(p)) for p in config.prompts]
    collect_key = stage_key("collect", inputs)
    collected_path = config.work_dir / "collected.jsonl"
    if state.manifest.is_done("collect", collect_key, collected_path):
        collected = read_collected(collected_path)
    else:
        collected = collect(config)
        write_collected(collected_path, collected)
        state.manifest.finish("collect", collect_key, collected_path)
    state.log(f"collect: {len(collected)} prompts from {len(inputs)} file(s)")
    teach, held = labelled_rows(config)
    teacher = build_teacher(config, teach)
    held_ids = {r.prompt.id for r in held}
    label_key = stage_key("labels", collect_key, teacher.fingerprint())
    labels = label_stage(state, "labels", collected, teacher, label_key)
    train_key = stage_key("train", label_key, sorted(held_ids), config.n_bits, config.seed)
    student = train_stage(state, collected, labels, held_ids, train_key)
    if config.teacher == "outcome":  # the oracle: held-out labels are the outcomes themselves
        teacher_held = {r.prompt.id: r.label for r in held}
    else:
        eval_key = stage_key("teacher_eval", digest_rows(held), teacher.fingerprint())
        teacher_held = label_stage(state, "teacher_eval", [r.prompt for r in held], teacher,
                                   eval_key)  # fmt: skip
    scores, weights_sha = student_scores(student, [r.prompt.text for r in held])
    card = distill_card.build(config, inputs, teacher.fingerprint(), held, teacher_held, scores)
    card["student"] = state.report["train"] | {"weights_sha256": weights_sha,
                                               "n_bits": config.n_bits}  # fmt: skip
    card_path = config.work_dir / "card.json"
    distill_card.write(card_path, card)
    targets = [config.out] + ([PACKAGE_ARTIFACTS / "default.skops"] if config.export else [])
    for target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(student, target)
        shutil.copyfile(card_path, distill_card.card_path_for(target))
    return state.report | {"metrics": card["metrics"], "weights_sha256": weights_sha,
                           "artifact": [str(t) for t in targets]}  # fmt: skip
