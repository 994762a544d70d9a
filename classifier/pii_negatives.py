"""All-`O` training text for the PII student: what it must not call personal data.

- `negatives` and `prompt_negatives`: real prompts from the offline data (AlpacaEval and
  Arena-Hard requests, MMLU and LLMRouter questions), full of capitalised words, amounts, ages
  and conditions that name no one;
- `lookalike_negatives`: bare or lightly wrapped strings shaped like addresses, numbers and IDs
  (private IPs, hosts, versions, UUIDs, hashes, MACs, timestamps, paths).
"""

from __future__ import annotations

import csv
import gzip
import json
import random
from collections.abc import Iterator
from pathlib import Path

from classifier import pii_templates as tpl
from classifier.pii_data import Sample


def _gzip_csv(path: Path) -> Iterator[dict[str, str]]:
    with gzip.open(path, "rt", encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def negatives(data: Path) -> list[Sample]:
    """Real chat prompts without labels (AlpacaEval instructions, Arena-Hard questions) as
    all-`O` text, so that ordinary capitalised request words are not taken for names; empty
    when the offline data folder is absent."""
    alpaca, arena = (
        data / "alpacaeval1_gpt4judge_vs_davinci003.csv.gz",
        data / "arena_hard_v0.1_question.jsonl",
    )
    if not alpaca.is_file() or not arena.is_file():
        return []
    texts = [row["instruction"] for row in _gzip_csv(alpaca)]
    for line in arena.read_text(encoding="utf-8").splitlines():
        texts.append(json.loads(line)["prompt"][:2000])
    return [Sample(text, ()) for text in texts]


def _lookalike(rng: random.Random) -> str:
    """One non-personal string shaped like an address, a number or an ID."""

    def octet() -> int:
        return rng.randint(0, 255)

    def hexs(k: int) -> str:
        return "".join(rng.choice("0123456789abcdef") for _ in range(k))

    kind = rng.randrange(12)
    if kind == 0:
        prefix = rng.choice(["10", "192.168", "172.16", "169.254", "127.0", "203.0.113"])
        tail = ".".join(str(octet()) for _ in range(4 - prefix.count(".") - 1))
        return f"{prefix}.{tail}" + rng.choice(["", "", f":{rng.randint(1, 65535)}", "/24"])
    if kind == 1:
        return ".".join(str(octet()) for _ in range(4))
    if kind == 2:
        return rng.choice(["fe80::", "2001:db8::", "::ffff:"]) + f"{hexs(4)}:{hexs(3)}"
    if kind == 3:
        word = rng.choice(["api", "db", "cache", "web", "auth", "queue", "node", "edge"])
        return rng.choice([f"{word}{rng.randint(1, 40):02d}.prod.example.com",
                           f"ip-10-0-{octet()}-{octet()}.ec2.internal",
                           f"{word}-{hexs(9)}-{hexs(5)}",
                           f"{word}.svc.cluster.local"])  # fmt: skip
    if kind == 4:
        major, minor, patch = rng.randint(0, 30), rng.randint(0, 99), rng.randint(0, 20)
        return rng.choice([f"v{major}.{minor}.{patch}",
                           f"{major}.{minor}.{patch}-rc{patch % 4}",
                           f"numpy=={major}.{minor}.{patch}",
                           f"Python {major % 4}.{minor}"])  # fmt: skip
    if kind == 5:
        return f"{hexs(8)}-{hexs(4)}-4{hexs(3)}-a{hexs(3)}-{hexs(12)}"
    if kind == 6:
        return hexs(rng.choice([7, 12, 40, 64]))
    if kind == 7:
        return ":".join(hexs(2).upper() for _ in range(6))
    if kind == 8:
        return rng.choice([str(rng.randint(0, 10**9)), f"{rng.randint(0, 10**7):,}",
                           f"{rng.uniform(0, 1000):.{rng.randint(1, 5)}f}",
                           f"{rng.randint(1, 99)}%",
                           f"{rng.randint(1, 9)}e-{rng.randint(2, 9)}"])  # fmt: skip
    if kind == 9:
        day = f"20{rng.randint(10, 29)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        iso = f"{day}T{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:00Z"
        log = f"{day} {rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:17,123"
        return rng.choice([iso, log])
    if kind == 10:
        return rng.choice(["/var/log/nginx/access.log", "C:\\Users\\Public\\data.csv",
                           f"/home/ubuntu/app/{hexs(6)}.py",
                           f"s3://bucket-{hexs(4)}/2024/"])  # fmt: skip
    return rng.choice([f"port {rng.randint(1, 65535)}", f"#{rng.randint(1, 99999)}",
                       f"ORD-{rng.randint(10**5, 10**6)}",
                       f"{rng.randint(1, 999)}px"])  # fmt: skip


def lookalike_negatives(n: int, seed: int) -> list[Sample]:
    """`n` all-`O` texts of bare or lightly wrapped IPs (private, link-local, public), hosts,
    versions, UUIDs, hashes, MACs, numbers, timestamps, paths: the student must not call them
    addresses or dates of birth (validated detectors own public IPs and numbers with a cue)."""
    rng = random.Random(seed)
    samples = []
    for _ in range(n):
        context = rng.choice(tpl.LOOKALIKE_CONTEXTS)
        samples.append(Sample(context.format(*(_lookalike(rng) for _ in range(3))), ()))
    return samples


def prompt_negatives(data: Path) -> list[Sample]:
    """More real prompts without personal data, all `O`: every 7th MMLU question (from row 3)
    and every 5th LLMRouter training question (from row 2). Word problems and exam questions
    are full of amounts, ages, conditions and capitalised terms that name no one. The rows
    counted for false positives (MMLU from row 0, LLMRouter's test rows and every 5th training
    row from 0, GSM8K) are never among them. Empty when the offline data folder is absent."""
    mmlu, router = (
        data / "routellm_mmlu_weak_strong.csv.gz",
        data / "llmrouter_dcrouter_9models.csv.gz",
    )
    if not mmlu.is_file() or not router.is_file():
        return []
    texts = [row["prompt"] for i, row in enumerate(_gzip_csv(mmlu)) if i % 7 == 3]
    rows = [row["question"] for row in _gzip_csv(router) if row["split"] == "train"]
    texts += [text for i, text in enumerate(rows) if i % 5 == 2]
    return [Sample(text[:2000], ()) for text in texts]
