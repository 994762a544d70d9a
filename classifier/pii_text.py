"""The PII student's text-level half: does this text state someone's health or money facts?

The token tagger (`pii_model`) reads two words either side of a word, so a fact whose personal
context lies further away escapes it: "Make me a meal plan. Background: PTSD, currently taking
metformin.", "Payslip this month: gross $65,154, net $51,007. Why so much tax?". This model
reads the whole text at once: a logistic regression over the text's distinct hashed word
unigrams and bigrams (the difficulty featurizer's buckets, each present or absent), trained by
`pii_train` on the same sentences as the tagger to say whether a text holds a MEDICAL or
FINANCIAL span. A text it flags gets one `PERSONAL_CONTEXT` entity over the whole text
(`sensitivity.spans_of`), a soft type that alone reaches the default threshold.

With the C kernels built, the sum is taken in the tagger's own pass over the text
(`PiiTagger.tag_and_sum`, `_kernels.tag_scores`: the buckets, a bitmap for the ones already
counted, the sum), or alone by `_kernels.bag_sum`; `buckets` below is the numpy reference
training uses.
The model lives in the PII artifact beside the tagger, in fields named `text_*`; an artifact
without them has no text model.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from classifier import features, native
from classifier.artifact import ArtifactError, float_array, float_field, int_field
from classifier.features import plain_punctuation

KIND = "PERSONAL_CONTEXT"  # the entity type of a flagged text


def buckets(featurizer: features.Featurizer, text: str, n_bits: int) -> npt.NDArray[np.int64]:
    """The distinct unigram and bigram buckets of `text` at `n_bits` (at most the featurizer's:
    masking its buckets gives the same as hashing at `n_bits`), sorted."""
    if n_bits > featurizer.n_bits:
        raise ValueError(f"a {featurizer.n_bits}-bit featurizer cannot give {n_bits}-bit buckets")
    indices = featurizer.indices(plain_punctuation(text)) & ((1 << n_bits) - 1)
    return np.unique(indices)


@dataclass(frozen=True, slots=True)
class PiiTextModel:
    """Exported weights: one float32 weight per bucket, an intercept, and the probability at
    which a text is flagged."""

    n_bits: int
    weights: npt.NDArray[np.float32]
    intercept: float
    threshold: float
    _bar: float = field(init=False, repr=False, compare=False)  # the threshold as a logit

    def __post_init__(self) -> None:
        object.__setattr__(self, "_bar", math.log(self.threshold / (1.0 - self.threshold)))

    def logit(self, featurizer: features.Featurizer, text: str) -> float:
        """The model's log-odds that `text` states someone's health or money facts."""
        if featurizer.native and self.n_bits <= featurizer.n_bits:
            data = plain_punctuation(text).encode("utf-8", "replace")
            total = native.kernels.bag_sum(data, features.MAX_BYTES, self.n_bits, self.weights)
        else:
            chosen = self.weights[buckets(featurizer, text, self.n_bits)]
            total = float(chosen.sum(dtype=np.float64))
        return total + self.intercept

    def flags(self, featurizer: features.Featurizer, text: str) -> bool:
        """True when the probability reaches `threshold`."""
        return self.logit(featurizer, text) >= self._bar

    def flags_sum(self, total: float) -> bool:
        """`flags` from the weights' sum over the text's buckets, computed elsewhere (the
        tagger's kernel sums them in its own scan of the text: `PiiTagger.tag_and_sum`)."""
        return total + self.intercept >= self._bar

    def to_content(self) -> dict[str, Any]:
        """The model as plain artifact fields, beside the tagger's."""
        return {
            "text_n_bits": self.n_bits, "text_weights": self.weights,
            "text_intercept": self.intercept, "text_threshold": self.threshold,
        }  # fmt: skip

    @classmethod
    def from_content(cls, content: dict[str, Any]) -> PiiTextModel | None:
        """The model in `content`, or None when the artifact has none (no `text_*` field);
        raise `ArtifactError` on any malformed field."""
        if not any(key.startswith("text_") for key in content):
            return None
        n_bits = int_field(content, "text_n_bits", 6, 24)
        threshold = float_field(content, "text_threshold")
        if not 0.0 < threshold < 1.0:
            raise ArtifactError("artifact field 'text_threshold' must be a float in (0, 1)")
        weights = float_array(content, "text_weights", (1 << n_bits,), np.float32)
        intercept = float_field(content, "text_intercept")
        return cls(n_bits, weights.astype(np.float32, copy=False), intercept, threshold)
