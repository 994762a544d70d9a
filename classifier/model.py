"""`Classifier`: the shipped artifact plus compiled detectors, scoring one request in microseconds.

Training uses scikit-learn, serving does not: `predict_proba` spends ~0.5 ms per call on input
validation, while the same logistic regression is a gather, a sum and a sigmoid over exported
weights (`lean_probability`; the whole gated head in `difficulty.GatedHead.probability`). Unit
tests hold the lean paths to scikit-learn's probabilities. A
`Classifier` is immutable after `load`, so one instance serves every thread.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from classifier import features, messages, sensitivity
from classifier.artifact import read_artifact
from classifier.detectors import Detectors, Span, build_detectors
from classifier.difficulty import GatedHead, LinearHead
from classifier.pii_model import PiiTagger
from classifier.pii_text import PiiTextModel
from classifier.scores import Entity, Scores

DEFAULT_ARTIFACT = Path(__file__).resolve().parent / "artifacts" / "default.skops"
DEFAULT_PII_ARTIFACT = DEFAULT_ARTIFACT.with_name("pii.skops")
# Earlier messages (the system prompt, the conversation so far) come back on every turn; their
# entities depend on their text alone, so the most recent ones are kept (in memory only, never
# written anywhere). The last message is always scanned.
HISTORY_ENTRIES = 256
HISTORY_MAX_CHARS = 65_536


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    ez = math.exp(z)
    return ez / (1.0 + ez)


def lean_logit(head: LinearHead, featurizer: features.Featurizer, text: str, n_turns: int) -> float:
    """The head's decision function on one prompt, without scikit-learn."""
    text = features.plain_punctuation(text)
    indices = featurizer.indices(text)
    z = head.intercept
    if indices.size:
        z += float(head.weights[indices].sum()) / math.sqrt(indices.size)
    dense = features.dense_features(text, n_turns)
    weights: list[float] = head.dense_weights.tolist()
    return z + sum(w * x for w, x in zip(weights, dense, strict=True))


def lean_probability(
    head: LinearHead, featurizer: features.Featurizer, text: str, n_turns: int
) -> float:
    """P(label 1) for one prompt, equal to sklearn's `predict_proba(...)[:, 1]`."""
    return _sigmoid(lean_logit(head, featurizer, text, n_turns))


@dataclass(frozen=True, slots=True)
class Classifier:
    """Scores requests: difficulty from the last user message, sensitivity from all messages."""

    head: GatedHead
    featurizer: features.Featurizer
    detectors: Detectors
    tagger: PiiTagger
    # the PII artifact's text-level model (`pii_text`); None for an artifact written without one
    text_model: PiiTextModel | None = None
    # `_spans` with a bounded memo, for every message but the last (`HISTORY_ENTRIES`)
    _history: Callable[[str], tuple[Span, ...]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        memo = functools.lru_cache(maxsize=HISTORY_ENTRIES)(self._spans)
        object.__setattr__(self, "_history", memo)

    @classmethod
    def load(cls, path: Path | None = None, pii_path: Path | None = None) -> Classifier:
        """Load the difficulty and PII skops artifacts (default: those shipped in the package);
        no network.

        Raises `ArtifactError` when a file is missing, malformed or names an untrusted type.
        """
        head = GatedHead.from_content(read_artifact(path or DEFAULT_ARTIFACT))
        pii = read_artifact(pii_path or DEFAULT_PII_ARTIFACT)
        tagger, text_model = PiiTagger.from_content(pii), PiiTextModel.from_content(pii)
        return cls(head, features.Featurizer(head.n_bits), build_detectors(), tagger, text_model)

    def _spans(self, text: str) -> tuple[Span, ...]:
        return sensitivity.spans_of(
            text, self.detectors, self.tagger, self.featurizer, self.text_model
        )

    def _entities(self, texts: Sequence[tuple[int, str]]) -> tuple[Entity, ...]:
        """Entities of each (message index, text); all but the last text go through the memo."""
        final = len(texts) - 1
        return tuple(
            Entity(kind, start, end, index)
            for n, (index, text) in enumerate(texts)
            for kind, start, end in (
                self._history(text)
                if n < final and len(text) <= HISTORY_MAX_CHARS
                else self._spans(text)
            )
        )

    def difficulty(self, text: str, n_turns: int = 1) -> float:
        """P(the small tier falls short of the frontier) for a prompt `text`."""
        return self.head.probability(self.featurizer, text, n_turns)

    def score(self, request_messages: Sequence[Mapping[str, Any]]) -> Scores:
        """Score OpenAI chat messages. Never raises on odd shapes: non-text counts as empty."""
        if not isinstance(request_messages, Sequence) or isinstance(request_messages, str):
            request_messages = []
        texts = [(i, messages.message_text(m)) for i, m in enumerate(request_messages)]
        last = messages.last_user_index(request_messages)
        prompt = messages.content_text(request_messages[last].get("content")) if last >= 0 else ""
        if last < 0:  # no user turn: judge the last message that has any text
            prompt = next((text for _, text in reversed(texts) if text), "")
        entities = self._entities([(i, text) for i, text in texts if text])
        return Scores(
            difficulty=self.difficulty(prompt, messages.count_turns(request_messages)),
            sensitivity=sensitivity.sensitivity_of(entities),
            entities=entities,
        )

    def score_text(self, text: str) -> Scores:
        """Score one plain prompt; its entities carry `message=-1`."""
        text = text if isinstance(text, str) else ""
        entities = self._entities([(-1, text)])
        return Scores(self.difficulty(text), sensitivity.sensitivity_of(entities), entities)
