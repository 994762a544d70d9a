"""From the PII tagger's words to spans of text: what the tagger reports.

- `char_positions`, `tagged_spans` and `word_spans`: tagged words (byte offsets) to merged
  spans (characters);
- `is_address`: a one-word ADDRESS stands only beside its other half, else it is reported as
  the weaker `ADDRESS_PART`;
- `is_birth_date`: a DATE_OF_BIRTH must hold a year, a month or a day-and-month, else it is
  reported as the weaker `DATE_PART`.
"""

from __future__ import annotations

import re

import numpy as np
import numpy.typing as npt

ADDRESS_PART = "ADDRESS_PART"  # a one-word ADDRESS with no other half beside it (`is_address`)
DATE_PART = "DATE_PART"  # a DATE_OF_BIRTH that names no day of anyone's life (`is_birth_date`)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MAX_GAP = 3
IntArray = npt.NDArray[np.int64]


_CONTINUATION = bytes(range(0x80, 0xC0))  # the bytes that continue a UTF-8 character


def char_positions(text: str, data: bytes, positions: list[int]) -> list[int]:
    """Byte offsets into `data` (the UTF-8 of `text`) as character offsets into `text`. The
    offsets are word edges, never inside a character, so the characters before one are its
    bytes less their continuation bytes, counted by `bytes.translate` (C, ~1 ns a byte) from
    the previous offset on: ascending offsets cost one pass over the bytes in all. (Decoding
    the bytes before each offset cost ~2 µs per offset on a 500-token prompt.)"""
    if len(data) == len(text):
        return positions
    found, at, continuing = [], 0, 0
    for position in positions:
        if position < at:  # not ascending: count again from the start
            at, continuing = 0, 0
        piece = data[at:position]
        continuing += len(piece) - len(piece.translate(None, _CONTINUATION))
        at = position
        found.append(position - continuing)
    return found


def char_offsets(text: str, data: bytes, positions: IntArray) -> IntArray:
    """`char_positions` of an array (what training reads)."""
    if len(data) == len(text):
        return positions
    return np.array(char_positions(text, data, positions.tolist()), dtype=np.int64)


def tagged_spans(
    text: str, data: bytes, labels_of: tuple[str, ...], tagged: list[tuple[int, int, int]]
) -> list[tuple[str, int, int]]:
    """The tagged words (label index into `labels_of`, byte start, byte end into `data`, the
    UTF-8 of `text`; in text order, O words left out) as spans (type, start, end) in
    character offsets of `text`: consecutive words of one label at most `_MAX_GAP`
    characters apart are one."""
    if not tagged:
        return []
    labels, starts, ends = zip(*tagged, strict=True)
    char_starts = char_positions(text, data, list(starts))
    char_ends = char_positions(text, data, list(ends))
    spans: list[tuple[str, int, int]] = []
    last = -1
    for label, start, end in zip(labels, char_starts, char_ends, strict=True):
        if label == last and start - spans[-1][2] <= _MAX_GAP:
            spans[-1] = (spans[-1][0], spans[-1][1], end)
        else:
            spans.append((labels_of[label], start, end))
        last = label
    return spans


def word_spans(
    text: str,
    data: bytes,
    labels_of: tuple[str, ...],
    word_labels: IntArray,
    starts: IntArray,
    ends: IntArray,
) -> list[tuple[str, int, int]]:
    """`tagged_spans` of every word's label (0 = O), byte starts and ends (the numpy path)."""
    hits = np.flatnonzero(word_labels)
    labels, firsts, lasts = word_labels[hits].tolist(), starts[hits].tolist(), ends[hits].tolist()
    return tagged_spans(text, data, labels_of, list(zip(labels, firsts, lasts, strict=True)))


def _is_number(word: str) -> bool:
    word = word.strip(",.;:()")
    digits = sum(map(str.isdigit, word))
    return digits > 0 and digits >= len(word) - 1


def _is_capitalised(word: str) -> bool:
    word = word.strip(",.;:()\"'")
    return bool(word) and word[0].isupper()


def is_address(text: str, start: int, end: int) -> bool:
    """Whether the tagger's ADDRESS span `text[start:end]` stands as an address; if not, it is
    reported as `ADDRESS_PART`, a weaker soft type. A span of several words stands. One word is
    a fragment of an address only beside its other half: a number beside a capitalised word
    ("7156 Republica de Chile", "Strasse 11") or a word beside a number ("249 Ysitie 68").
    Alone it is mostly a count in a word problem ("200 toothpicks") or a capitalised word
    ("Uncle Franky", "During"): on real prompts without personal data these were 40 of the 66
    false alarms, and on validation the rule costs no document (see docs/classifier.md)."""
    word = text[start:end]
    if any(map(str.isspace, word)):
        return True
    before, after = text[max(0, start - 40) : start].split(), text[end : end + 40].split()
    neighbours = before[-1:] + after[:1]
    if _is_number(word):
        return any(_is_capitalised(w) for w in neighbours)
    return any(_is_number(w) for w in neighbours)


_DAY_AND_MONTH = re.compile(r"\d{1,4}[/.-]\d{1,2}|\d{4}")  # "12/10", "1998-04", a year


def is_birth_date(text: str, start: int, end: int) -> bool:
    """Whether the tagger's DATE_OF_BIRTH span `text[start:end]`, read with the rest of the
    whitespace-free runs it touches (the tagger may tag the "15" of "3/15/1974"), can be a
    date: it holds a year, a month's name or a day and month ("12/10"). A lone "8" or "12" is
    not one; on real prompts without personal data such fragments were numbers in code and
    tables (`fibfib(8)`, `[1, 11, -1]`), and each made a text sensitive alone (weight 0.60)."""
    before, after = text[max(0, start - 40) : start], text[end : end + 40]
    head = before.split()[-1] if before and not before[-1].isspace() else ""
    tail = after.split()[0] if after and not after[0].isspace() else ""
    span = head + text[start:end] + tail
    lowered = span.lower()
    return bool(_DAY_AND_MONTH.search(span)) or any(month in lowered for month in _MONTHS)
