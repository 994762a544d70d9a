"""The LLM-judge teacher: any OpenAI-compatible endpoint asked for a probability.

Each prompt becomes one chat request (temperature 0) asking how likely a small model's answer
falls short of a frontier model's; the first number in the reply is the label (a percentage is
divided by 100, anything outside [0, 1] is clipped). Requests run concurrently under an
`asyncio.Semaphore`; a 429, a 5xx, a timeout or a connection error is retried with exponential
backoff (a `retry-after` header is honoured up to the backoff cap). A prompt that still fails,
or whose reply holds no number, is left unlabelled so the next run retries it.

Answers are cached on disk in an append-only JSONL file keyed by sha256(model, template
version, prompt): a re-run, or labelling the same prompt in another work dir, sends nothing.
Bump `TEMPLATE_VERSION` when the wording changes, so old answers are not reused.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from classifier.teachers import Prompt

TEMPLATE_VERSION = "judge-v1"
_SYSTEM = (
    "You are a routing judge. Given a user prompt, estimate the probability that a small "
    "local language model (about 1B parameters) would give a clearly worse answer than a "
    "frontier model such as GPT-4. Reply with one number between 0 and 1 and nothing else."
)
_MAX_PROMPT_CHARS = 6000
_NUMBER = re.compile(r"(\d+(?:\.\d+)?|\.\d+)\s*(%?)")
_RETRY_STATUS = frozenset({408, 409, 429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class JudgeConfig:
    """Where and how to ask. `api_key` is the value (read from the named env var by the CLI)."""

    base_url: str
    model: str
    api_key: str | None = None
    concurrency: int = 4
    retries: int = 4
    backoff: float = 1.0  # seconds before the first retry, doubled each time
    backoff_cap: float = 30.0
    timeout: float = 60.0


def parse_probability(reply: str) -> float | None:
    """The first number in `reply` as a probability in [0, 1], or None without one."""
    match = _NUMBER.search(reply)
    if match is None:
        return None
    value = float(match.group(1)) / (100.0 if match.group(2) else 1.0)
    if 1.0 < value <= 100.0 and not match.group(2) and value.is_integer():
        value /= 100.0  # "80" meant as a percentage; "1.7" is clipped below
    return min(max(value, 0.0), 1.0) if math.isfinite(value) else None


class AnswerCache:
    """Append-only JSONL of {"key", "p"}; a torn last line (an interrupted write) is skipped."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._answers: dict[str, float] = {}
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_file():
            for line in path.read_text(encoding="utf-8").splitlines():
                try:
                    record = json.loads(line)
                    self._answers[str(record["key"])] = float(record["p"])
                except (ValueError, KeyError, TypeError):
                    continue

    def get(self, key: str) -> float | None:
        return self._answers.get(key)

    def put(self, key: str, value: float) -> None:
        self._answers[key] = value
        with self._path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps({"key": key, "p": value}) + "\n")


class JudgeTeacher:
    """Labels prompts by asking an OpenAI-compatible model (see the module docstring)."""

    name = "judge"

    def __init__(self, config: JudgeConfig, cache: AnswerCache, chunk: int = 64) -> None:
        self._config, self._cache, self._chunk = config, cache, chunk
        self.requests = 0  # chat requests sent (retries included), for reports and tests

    def fingerprint(self) -> str:
        return f"judge:{self._config.model}:{TEMPLATE_VERSION}"

    def key(self, text: str) -> str:
        raw = f"{self._config.model}\0{TEMPLATE_VERSION}\0{text}"
        return hashlib.sha256(raw.encode()).hexdigest()

    def label_batches(self, batch: Sequence[Prompt]) -> Iterator[dict[str, float]]:
        for start in range(0, len(batch), self._chunk):
            yield asyncio.run(self._label(batch[start : start + self._chunk]))

    async def _label(self, part: Sequence[Prompt]) -> dict[str, float]:
        limit = asyncio.Semaphore(self._config.concurrency)
        timeout = aiohttp.ClientTimeout(total=self._config.timeout)
        headers = {"authorization": f"Bearer {self._config.api_key}"} if self._config.api_key \
            else {}  # fmt: skip
        async with aiohttp.ClientSession(timeout=timeout, headers=headers) as session:
            answers = await asyncio.gather(*(self._one(session, limit, p.text) for p in part))
        return {p.id: a for p, a in zip(part, answers, strict=True) if a is not None}

    async def _one(
        self, session: aiohttp.ClientSession, limit: asyncio.Semaphore, text: str
    ) -> float | None:
        key = self.key(text)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        async with limit:
            answer = await self._ask(session, text)
        if answer is not None:
            self._cache.put(key, answer)
        return answer

    async def _ask(self, session: aiohttp.ClientSession, text: str) -> float | None:
        body = {
            "model": self._config.model,
            "temperature": 0,
            "max_tokens": 8,
            "messages": [
                {"role": "system", "content": _SYSTEM},
                {"role": "user", "content": f"Prompt:\n<<<\n{text[:_MAX_PROMPT_CHARS]}\n>>>"},
            ],
        }
        url = self._config.base_url.rstrip("/") + "/chat/completions"
        delay = self._config.backoff
        for attempt in range(self._config.retries + 1):
            self.requests += 1
            wait = delay
            try:
                async with session.post(url, json=body) as response:
                    if response.status == 200:
                        payload = await response.json(content_type=None)
                        content = payload["choices"][0]["message"].get("content") or ""
                        return parse_probability(str(content))
                    if response.status not in _RETRY_STATUS:
                        return None  # a 4xx other than 408/409/429 will not get better
                    wait = max(delay, _retry_after(response.headers.get("retry-after")))
            except (aiohttp.ClientError, TimeoutError, ValueError, KeyError, IndexError):
                pass
            if attempt < self._config.retries:
                await asyncio.sleep(min(wait, self._config.backoff_cap))
                delay *= 2
        return None


def _retry_after(value: str | None) -> float:
    try:
        return float(value) if value else 0.0
    except ValueError:
        return 0.0
