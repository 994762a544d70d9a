"""Prompt -> features for the difficulty head: hashed word uni/bigrams plus structural counts.

Hashing runs vectorised in numpy, because per-token Python hashing dominates scoring time:
the UTF-8 bytes are lower-cased through a lookup table, word boundaries come from a diff of a
byte-class mask, and every word's polynomial hash is read off one cumulative sum
(sum b[j]*P^j over the word, shifted to start at P^0 with P's inverse mod 2^64). A splitmix64
finaliser spreads the hash before it is masked to `2**n_bits` buckets. The hash is stable
across processes and platforms (Python's `hash()` of str is not).

A word is a maximal run of ASCII letters, digits, `_` or non-ASCII bytes. Each n-gram
occurrence adds `1/sqrt(n_grams)` to its bucket: a cheap length normalisation that the lean
scorer applies as one multiplication after summing weights.

The same two loops also exist in C (`classifier/csrc/hashing.c`, built with the package): bit for
bit the same hashes and indices, about ten times faster, because numpy's per-call overhead is
most of the cost on one prompt. Without a C compiler the extension is skipped and this numpy
code serves; it is always the reference that training and the equality tests use.
"""

from __future__ import annotations

import math
import struct

import numpy as np
import numpy.typing as npt

from classifier.native import int64s, kernels

MAX_BYTES = 16_384  # longer prompts are scored on their first 16 KiB
DENSE_NAMES = (
    "log_chars", "log_words", "code_fences", "code_chars", "digit_share", "math_chars",
    "log_lines", "questions", "log_turns", "latex", "upper_share", "choices", "log_numbers",
    "log_sentences", "log_commas", "log_dollars", "log_upper",
)  # fmt: skip
_P = 0x100000001B3  # odd, hence invertible mod 2**64
_BIGRAM_MULT = 0x9E3779B97F4A7C15
_MIX1, _MIX2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


# Typographic punctuation as phones and word processors type it, read as its ASCII form by
# every model here (the difficulty head, the PII tagger and text model), in serving and in
# training alike. The word bytes include every non-ASCII byte, so "I\u2019m" (a curly
# apostrophe) was one word (for the tagger: no "I", so no first-person sentence code), a name
# in curly quotes a word with its quotes, and two words joined by an em dash one word. Each is
# one character for one, so character offsets stay those of the text as written.
_TYPOGRAPHIC = (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"'),
                ("\u2013", "-"), ("\u2014", "-"), ("\u00a0", " "))  # fmt: skip


def plain_punctuation(text: str) -> str:
    """`text` with `_TYPOGRAPHIC`'s apostrophes, quotes, dashes and no-break spaces as their
    ASCII forms, the same length in characters (ASCII text is returned as it is)."""
    if text.isascii():
        return text
    for typographic, plain in _TYPOGRAPHIC:
        text = text.replace(typographic, plain)
    return text


def _u64(value: int) -> np.uint64:
    return np.uint64(value)


class Featurizer:
    """Stateless after construction: read-only lookup tables, safe to share across threads.

    `native` (the default, when the C kernels are built) runs the C loops; `native=False`
    forces the numpy reference.
    """

    def __init__(self, n_bits: int, native: bool = True) -> None:
        self.n_bits = n_bits
        self.native = native and kernels is not None
        self._mask = _u64((1 << n_bits) - 1)
        table = np.arange(256, dtype=np.uint64)
        table[ord("A") : ord("Z") + 1] += 32
        word = np.zeros(256, dtype=bool)
        for lo, hi in (("a", "z"), ("A", "Z"), ("0", "9"), ("_", "_")):
            word[ord(lo) : ord(hi) + 1] = True
        word[128:] = True
        powers = np.full(MAX_BYTES + 1, _P, dtype=np.uint64)
        powers[0] = 1
        inverse = np.full(MAX_BYTES + 1, pow(_P, -1, 1 << 64), dtype=np.uint64)
        inverse[0] = 1
        self._lower, self._word = table, word
        self._pow, self._inv = np.cumprod(powers), np.cumprod(inverse)
        for array in (self._lower, self._word, self._pow, self._inv):
            array.flags.writeable = False

    def _mix(self, z: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
        z = (z ^ (z >> _u64(30))) * _u64(_MIX1)
        z = (z ^ (z >> _u64(27))) * _u64(_MIX2)
        return z ^ (z >> _u64(31))

    def words(
        self, data: bytes
    ) -> tuple[npt.NDArray[np.uint8], IntArray, IntArray, npt.NDArray[np.uint64]]:
        """Byte view, word start and end byte offsets, and one mixed hash per lower-cased word."""
        raw = np.frombuffer(data[:MAX_BYTES], dtype=np.uint8)
        if self.native:
            starts_b, ends_b, hashes_b = kernels.words(data, MAX_BYTES)
            return raw, int64s(starts_b), int64s(ends_b), np.frombuffer(hashes_b, dtype=np.uint64)
        edges = np.diff(self._word[raw].view(np.int8), prepend=np.int8(0), append=np.int8(0))
        starts = np.flatnonzero(edges == 1)
        if starts.size == 0:
            return raw, starts, starts, np.zeros(0, dtype=np.uint64)
        ends = np.flatnonzero(edges == -1)
        prefix = np.zeros(raw.size + 1, dtype=np.uint64)
        np.cumsum(self._lower[raw] * self._pow[: raw.size], out=prefix[1:])
        return raw, starts, ends, self._mix((prefix[ends] - prefix[starts]) * self._inv[starts])

    def word_hashes(self, text: str) -> npt.NDArray[np.uint64]:
        """One well-mixed 64-bit hash per word of `text`, in order."""
        return self.words(text.encode("utf-8", "replace"))[3]

    def mix(self, z: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
        """The splitmix64 finaliser (public for other hashed-feature models)."""
        return self._mix(z)

    def indices(self, text: str) -> IntArray:
        """Bucket indices of every word unigram and bigram occurrence (with repeats)."""
        if self.native:
            data = text.encode("utf-8", "replace")
            return int64s(kernels.ngram_indices(data, MAX_BYTES, self.n_bits))
        words = self.word_hashes(text)
        bigrams = self._mix(words[:-1] * _u64(_BIGRAM_MULT) + words[1:])
        return (np.concatenate((words, bigrams)) & self._mask).astype(np.int64)


def _count_of(data: bytes, members: bytes) -> int:
    """How many bytes of `data` are in `members` (bytes.translate runs in C)."""
    return len(data) - len(data.translate(None, members))


_DIGITS, _UPPER = b"0123456789", bytes(range(ord("A"), ord("Z") + 1))
_CODE, _MATH = b"{};=<>[]", b"+*/^=<>"
_MATH_UNICODE = "√∑∫π≤≥≠±∞∀∃∈∂"
_MATH_UTF8 = tuple(ch.encode() for ch in _MATH_UNICODE)
# Digits to "1", every other byte to " ": the digit runs are then the words of a bytes.split()
# (2 µs on 2,000 bytes; counting b" 1" in the mostly-blank bytes took 5 µs).
_DIGIT_RUNS = bytes(ord("1") if b in _DIGITS else ord(" ") for b in range(256))


def byte_counts(data: bytes, native: bool = True) -> tuple[int, ...]:
    """What `dense_features` counts in the UTF-8 bytes, in `_kernels.byte_counts`' order (the C
    kernel counts all of it in one pass; `native=False` is its reference)."""
    if native and kernels is not None:
        return kernels.byte_counts(data)
    return (
        data.count(b" "), data.count(b"\n"), data.count(b"```"), _count_of(data, _CODE),
        _count_of(data, _DIGITS), _count_of(data, _MATH), data.count(b"?"),
        _count_of(data, _UPPER), len(data.translate(_DIGIT_RUNS).split()), data.count(b". "),
        data.count(b","), data.count(b"$"), int(b"\\" in data or b"$$" in data),
        int(b"\nA." in data and b"\nB." in data), sum(data.count(ch) for ch in _MATH_UTF8),
    )  # fmt: skip


def dense_features(text: str, n_turns: int, native: bool = True) -> list[float]:
    """Structural features, each scaled to roughly [0, 1], in the order of `DENSE_NAMES` (the
    C kernel computes the same doubles; `native=False` is its reference)."""
    data = text.encode("utf-8", "replace")
    if native and kernels is not None:
        dense = kernels.dense_features(data, len(text), n_turns)
        return list(struct.unpack(f"{len(DENSE_NAMES)}d", dense))
    per_char = 1.0 / max(len(text), 1)
    (spaces, newlines, fences, code, digits, maths, questions, upper, numbers, stops, commas,
     dollars, latex, choices, symbols) = byte_counts(data, native)  # fmt: skip
    maths += symbols
    return [
        math.log1p(len(text)) / 8.0,
        math.log1p(spaces + newlines) / 7.0,
        min(fences, 6) / 6.0,
        min(code * per_char * 10.0, 1.0),
        min(digits * per_char, 1.0),
        min(maths * per_char * 10.0, 1.0),
        math.log1p(newlines) / 5.0,
        min(questions, 5) / 5.0,
        math.log1p(max(n_turns, 1) - 1) / 3.0,
        float(latex),
        min(upper * per_char, 1.0),
        float(choices),
        math.log1p(numbers) / 4.0,
        math.log1p(stops) / 4.0,
        math.log1p(commas) / 4.0,
        math.log1p(dollars) / 3.0,
        math.log1p(upper) / 5.0,
    ]
