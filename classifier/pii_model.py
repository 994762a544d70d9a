"""The learned sensitivity student: a hashed-feature token tagger for what patterns cannot catch.

Names, street addresses, dates of birth and personal health or money facts have no checksum
and no fixed shape, so a linear model tags each word with one of `LABELS` from its own hash,
its neighbours' hashes (two either side), a shape code (first-character class, length,
digits, the character before it) and the pronouns of its sentence (`sentence_codes`: is it
about the writer or someone?). Everything is vectorised numpy over the whole text: the
words come from the difficulty featurizer's hashing (`Featurizer.words`), the ten feature
keys of every word are mixed in one pass, and the scores are one gather and one sum, as in the
difficulty head. Consecutive words with the same label (at most `_MAX_GAP` characters apart)
form one span. Trained offline by `classifier.pii_train`; serving needs numpy only.

With the C kernels built (`features.Featurizer.native`), `word_scores` runs keys, gather and
sum in one C loop (`_kernels.tag_scores`) with the same results, and serving (`tag_and_sum`)
gets only the tagged words out of it (`_kernels.tagged_words`); `feature_keys` below stays the
numpy reference that training uses.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from classifier import features, native
from classifier.artifact import ArtifactError, float_array, int_field
from classifier.pii_spans import (
    ADDRESS_PART,
    DATE_PART,
    is_address,
    is_birth_date,
    tagged_spans,
    word_spans,
)

LABELS = ("O", "PERSON", "ADDRESS", "DATE_OF_BIRTH", "MEDICAL", "FINANCIAL")
KIND = "pii-tagger"
N_FEATURES = 10  # the word, 4 neighbours, shape, shape trigram, 2 neighbour x shape, context
LEGACY_FEATURES = 9  # artifacts without `n_features`: the same keys without the context key
_SALT = np.uint64(0x632BE59BD9B4E019)
_K1, _K2 = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F)
_PAD = np.array([0x51ED27, 0x51ED28], dtype=np.uint64)  # sentinels for "no word here"
U64 = npt.NDArray[np.uint64]
IntArray = npt.NDArray[np.int64]


def _tables() -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint64]]:
    first = np.full(256, 4, dtype=np.uint64)  # non-ASCII lead byte
    first[ord("a") : ord("z") + 1] = 1
    first[ord("A") : ord("Z") + 1] = 2
    first[ord("0") : ord("9") + 1] = 3
    first[ord("_")] = 0
    gap = np.full(256, 7, dtype=np.uint64)  # other punctuation
    for chars, code in ((" ", 0), ("\n\r", 1), (",", 2), (".", 3), (":;", 4), ("-/", 5),
                        ("'\"", 6), ("$€£", 8), ("(", 9), ("@#", 10), ("\0", 11)):  # fmt: skip
        for ch in chars:
            if ord(ch) < 256:
                gap[ord(ch)] = code
    gap[0xE2] = 8  # the € sign's lead byte
    return first, gap


_FIRST, _GAP = _tables()
# Who a sentence is about. A money or health fact in a sentence with "I", "my" or "we" is the
# writer's ("There's only $365k left in my checking account"); the same fact without one is
# usually a topic ("The average salary for nurses is $46,926"). Two words either side cannot
# see that, so every word's shape is also keyed with its sentence's pronoun classes: bit 1
# first person, 2 second person, 4 third-person possessives. Matched on the lower-cased word ("I'm"
# is the words "I" and "m"); `csrc/tagger.c` holds the same list.
PRONOUNS = {
    **dict.fromkeys(("i", "im", "ive", "me", "my", "mine", "myself", "we", "us", "our", "ours",
                     "ourselves"), 1),
    **dict.fromkeys(("you", "your", "yours", "yourself", "u", "ur"), 2),
    **dict.fromkeys(("his", "her", "hers", "their", "theirs"), 4),
}  # fmt: skip
_PRONOUN_TEXT = " ".join(PRONOUNS)
_PRONOUN_CODES = np.array(list(PRONOUNS.values()), dtype=np.uint64)
_WORD_BYTE = _FIRST != 4  # `features`' word bytes: ASCII letters, digits, "_" and bytes >= 128
_WORD_BYTE[128:] = True
_STOP = np.zeros(256, dtype=bool)  # ends a sentence; "." only when no word byte follows it
_STOP[[ord("!"), ord("?"), ord("\n")]] = True
_LEN = np.minimum(np.arange(features.MAX_BYTES + 2), 9).astype(np.uint64)


def sentence_codes(featurizer: features.Featurizer, raw: npt.NDArray[np.uint8],
                   starts: IntArray, words: U64) -> U64:  # fmt: skip
    """Per word, the `PRONOUNS` classes (OR-ed bits) of its sentence.
    A sentence ends at "!", "?", a newline, or a "." that no word byte follows (so "$5.50"
    stays inside one)."""
    pronouns = featurizer.word_hashes(_PRONOUN_TEXT)
    order = np.argsort(pronouns)
    slot = np.searchsorted(pronouns[order], words).clip(0, order.size - 1)
    codes = np.where(pronouns[order][slot] == words, _PRONOUN_CODES[order][slot], np.uint64(0))
    following = np.concatenate((raw[1:], [0]))
    stops = _STOP[raw] | ((raw == ord(".")) & ~_WORD_BYTE[following])
    sentence = np.concatenate(([0], np.cumsum(stops)))[starts]
    per_sentence = np.zeros(int(sentence[-1]) + 1, dtype=np.uint64)
    np.bitwise_or.at(per_sentence, sentence, codes)
    return per_sentence[sentence]


def feature_keys(
    featurizer: features.Featurizer, n_bits: int, data: bytes, n_features: int = N_FEATURES
) -> tuple[IntArray, IntArray, IntArray]:
    """(bucket indices of shape (n_features, n_words), word starts, word ends) in bytes;
    `n_features` is `N_FEATURES`, or `LEGACY_FEATURES` for an artifact without the context key."""
    raw, starts, ends, words = featurizer.words(data)
    n = words.size
    if n == 0:
        return np.zeros((n_features, 0), dtype=np.int64), starts, ends
    before = np.where(starts > 0, raw[starts - 1], 0)  # 0: start of text
    digits = (raw[starts] - 48 < 10) | (raw[ends - 1] - 48 < 10)
    shape = _FIRST[raw[starts]] * np.uint64(10) + _LEN[ends - starts]
    shape = (shape * np.uint64(2) + digits) * np.uint64(12) + _GAP[before]
    w = np.concatenate((_PAD, words, _PAD))
    s = np.concatenate((_PAD, shape, _PAD))
    columns = [
        w[2:-2], w[1:-3] * _K1, w[3:-1] * _K2, w[:-4] * _K1 * _K1, w[4:] * _K2 * _K2,
        s[2:-2], (s[1:-3] * np.uint64(1000) + s[2:-2]) * np.uint64(1000) + s[3:-1],
        w[1:-3] * _K2 + s[2:-2], w[3:-1] * _K1 + s[2:-2],
    ]  # fmt: skip
    if n_features == N_FEATURES:
        # shape x sentence pronouns, without the pronouns for capitalised words: the real
        # prompts that teach "O" are full of "you" and "I", and their names are labelled O
        # too, so such a key taught the student that a name next to a pronoun is no name
        capital = (raw[starts] - 65 < 26) & ~digits
        sentence = sentence_codes(featurizer, raw, starts, words)
        columns.append(shape * np.uint64(8) + np.where(capital, np.uint64(0), sentence))
    keys = np.concatenate(columns)
    keys += np.repeat(np.arange(n_features, dtype=np.uint64) * _SALT, n)
    mask = np.uint64((1 << n_bits) - 1)
    return (featurizer.mix(keys) & mask).astype(np.int64).reshape(n_features, n), starts, ends


@dataclass(frozen=True, slots=True)
class PiiTagger:
    """Exported weights: (2**n_bits, len(LABELS)) per-bucket label scores plus intercepts."""

    n_bits: int
    weights: npt.NDArray[np.float64]
    intercepts: npt.NDArray[np.float64]
    threshold: float  # minimum softmax probability of a non-O label for a word to be tagged
    # keys per word: `N_FEATURES`, or `LEGACY_FEATURES` for an artifact trained before the
    # context key (read correctly, through the numpy reference: the C kernel computes all 10)
    n_features: int = N_FEATURES
    # The weights as float32, which serving reads (C kernel and numpy alike), sums taken in
    # double: 3 MB instead of 6, so more of the table stays in cache between requests. Scores
    # move by ~1e-6 at most (float32 keeps 7 digits). Training rounds the weights to float32
    # values and the artifact stores this table, so `weights` is its exact float64 widening.
    table: npt.NDArray[np.float32] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        table = np.ascontiguousarray(self.weights, dtype=np.float32)
        table.flags.writeable = False
        object.__setattr__(self, "table", table)

    def _native(self, data: bytes) -> tuple[bytes, bytes, bytes, bytes, float]:
        return native.kernels.tag_scores(
            data, features.MAX_BYTES, self.n_bits, self.table, self.intercepts, self.threshold
        )

    def _runs_native(self, featurizer: features.Featurizer) -> bool:
        return featurizer.native and self.n_features == N_FEATURES

    def word_scores(self, featurizer: features.Featurizer, data: bytes) -> tuple[
        npt.NDArray[np.float64], IntArray, IntArray
    ]:  # fmt: skip
        """Per-word label logits (n_words, len(LABELS)) with word starts and ends in bytes."""
        if self._runs_native(featurizer):
            starts_b, ends_b, logits_b, _, _ = self._native(data)
            logits = np.frombuffer(logits_b, dtype=np.float64).reshape(-1, len(LABELS))
            return logits, native.int64s(starts_b), native.int64s(ends_b)
        keys, starts, ends = feature_keys(featurizer, self.n_bits, data, self.n_features)
        return self.table[keys].sum(axis=0, dtype=np.float64) + self.intercepts, starts, ends

    def word_labels(self, featurizer: features.Featurizer, data: bytes) -> tuple[
        npt.NDArray[np.int64], IntArray, IntArray
    ]:  # fmt: skip
        """Per word, the index into `LABELS` of its best non-O label when that label's softmax
        probability reaches `threshold`, else 0 (O); with word starts and ends in bytes."""
        if self._runs_native(featurizer):
            starts_b, ends_b, _, labels_b, _ = self._native(data)
            labels = np.frombuffer(labels_b, dtype=np.uint8).astype(np.int64)
            return labels, native.int64s(starts_b), native.int64s(ends_b)
        logits, starts, ends = self.word_scores(featurizer, data)
        best = logits[:, 1:].argmax(axis=1) + 1
        top = logits[np.arange(len(best)), best]
        # softmax probability of the best non-O label >= threshold, without the full softmax
        shifted = np.exp(logits - top[:, None]).sum(axis=1)
        return np.where(shifted <= 1.0 / self.threshold, best, 0), starts, ends

    def tag(self, featurizer: features.Featurizer, text: str) -> list[tuple[str, int, int]]:
        """Spans (type, start, end) in character offsets of `text`, in text order."""
        return self.tag_and_sum(featurizer, text, None)[0]

    def tag_and_sum(
        self,
        featurizer: features.Featurizer,
        text: str,
        bag: tuple[int, npt.NDArray[np.float32]] | None,
    ) -> tuple[list[tuple[str, int, int]], float | None]:
        """`tag`'s spans and, when `bag` = (n_bits, float32 weights) is given and the C kernel
        runs, the sum of those weights over the text's distinct word uni- and bigram buckets,
        from the same scan of the text (the PII text model's sum, `pii_text`); else None."""
        text = features.plain_punctuation(text)  # same length: offsets are those of the input
        data = text.encode("utf-8", "replace")
        total: float | None = None
        if self._runs_native(featurizer):  # only the tagged words leave C: no numpy per call
            tagged_b, bag_sum = native.kernels.tagged_words(
                data, features.MAX_BYTES, self.n_bits, self.table, self.intercepts,
                self.threshold, *(bag or ()),
            )  # fmt: skip
            found = tagged_spans(text, data, LABELS, list(struct.iter_unpack("qqq", tagged_b)))
            total = None if bag is None else bag_sum
        else:
            found = word_spans(text, data, LABELS, *self.word_labels(featurizer, data))
        spans = [(_standing(text, kind, start, end), start, end) for kind, start, end in found]
        return spans, total

    def to_content(self) -> dict[str, Any]:
        """The tagger as plain artifact fields."""
        return {
            "kind": KIND, "labels": list(LABELS), "n_bits": self.n_bits,
            "weights": self.table, "intercepts": self.intercepts, "threshold": self.threshold,
            "n_features": self.n_features,
        }  # fmt: skip

    @classmethod
    def from_content(cls, content: dict[str, Any]) -> PiiTagger:
        """Validate every field; raise `ArtifactError` on any mismatch. An artifact without
        `n_features` predates the context key and is read as `LEGACY_FEATURES`."""
        if content.get("kind") != KIND or content.get("labels") != list(LABELS):
            raise ArtifactError(f"not a {KIND} artifact with labels {list(LABELS)}")
        n_bits = int_field(content, "n_bits", 8, 22)
        n_features = content.get("n_features", LEGACY_FEATURES)
        if type(n_features) is not int or n_features not in (LEGACY_FEATURES, N_FEATURES):
            raise ArtifactError(
                f"artifact field 'n_features' must be {LEGACY_FEATURES} or {N_FEATURES}"
            )
        threshold = content.get("threshold")
        if not isinstance(threshold, float) or not 0.0 < threshold < 1.0:
            raise ArtifactError("artifact field 'threshold' must be a float in (0, 1)")
        return cls(
            n_bits,
            # stored as float32, what serving reads (half the file); widened for `weights`
            float_array(content, "weights", (1 << n_bits, len(LABELS)), np.float32).astype(
                np.float64
            ),
            np.ascontiguousarray(float_array(content, "intercepts", (len(LABELS),))),
            threshold,
            n_features,
        )


def _standing(text: str, kind: str, start: int, end: int) -> str:
    """The type a tagged span is reported as: a fragment of an address or of a date is the
    weaker `ADDRESS_PART` or `DATE_PART` (`pii_spans.is_address`, `is_birth_date`)."""
    if kind == "ADDRESS" and not is_address(text, start, end):
        return ADDRESS_PART
    if kind == "DATE_OF_BIRTH" and not is_birth_date(text, start, end):
        return DATE_PART
    return kind
