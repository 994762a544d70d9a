"""Text windows: where in a prompt the expensive patterns are worth running.

Python's `re` costs about 10 ns per character per pattern, so twenty patterns over every
prompt would blow the latency budget. Instead, one cheap pass finds anchors (a run of digits,
an `@`, a keyword, a long token) and each detector runs only in a window around them. Windows
are widened to whitespace so a pattern's look-around sees the same neighbours as it would in
the whole text, and overlapping windows are merged so no span is reported twice.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from classifier import native

Window = tuple[int, int]
_SNAP_LIMIT = 64  # give up widening to whitespace after this many characters
FIND_ALL_MAX = 64  # needles the C `find_all` takes at once (one bit each in its table)


def _widen(text: str, start: int, end: int) -> Window:
    # `str.split` finds the run of non-space next to each edge in C (a per-character Python
    # loop cost ~2.5 µs a window)
    before = text[max(0, start - _SNAP_LIMIT) : start]
    if before and not before[-1].isspace():
        start -= len(before.split()[-1])
    after = text[end : end + _SNAP_LIMIT]
    if after and not after[0].isspace():
        end += len(after.split(None, 1)[0])
    return start, end


def around(text: str, anchors: Sequence[Window], before: int, after: int) -> list[Window]:
    """Merged windows from `before` characters ahead of each anchor to `after` past its end.

    The raw windows are merged first and only the merged ones widened (then merged again where
    widening made them touch): widening is monotone, so this equals widening every window, and
    a text with many anchors in one place costs two `_widen` calls, not one per anchor."""
    if not anchors:
        return []
    if native.kernels is not None:  # the same windows in one C call (a few µs less per text)
        listed = anchors if isinstance(anchors, list) else list(anchors)
        return native.span_pairs(native.kernels.around(text, listed, before, after, _SNAP_LIMIT))
    return around_reference(text, anchors, before, after)


def around_reference(text: str, anchors: Sequence[Window], before: int, after: int) -> list[Window]:
    """`around` in Python: the reference for the C kernel."""
    if not anchors:
        return []
    raw = sorted((max(0, s - before), min(len(text), e + after)) for s, e in anchors)
    return _merged([_widen(text, start, end) for start, end in _merged(raw)])


def _merged(spans: list[Window]) -> list[Window]:
    merged: list[Window] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def ascii_view(text: str) -> str:
    """`text` with every non-ASCII character replaced by "?" (offsets kept): ASCII literals
    occur in it exactly where they occur in `text`, and `str.find` or the C scan run on one
    byte per character (on text holding a single 2- or 4-byte character they cost ~3x more)."""
    return text if text.isascii() else text.encode("ascii", "replace").decode("ascii")


def keyword_anchors(
    lowered: str, keywords: Iterable[str], word_start: bool = False
) -> list[Window]:
    """Every occurrence of each keyword in `lowered` (already lower-cased) as (start, end),
    keyword by keyword; with `word_start`, only those not right after an ASCII letter or digit.
    The C kernel's `find_all` does the same on an ASCII view, for up to `FIND_ALL_MAX` keywords
    (more go through `str.find`: slower, never wrong). A caller that wants words only should
    say so: the C scan then drops the hits inside words before they leave its inner loop
    ("id" in "provide", "con" in "second"), which is most hits of a short needle."""
    needles = tuple(keywords)
    if native.kernels is not None and lowered.isascii() and len(needles) <= FIND_ALL_MAX:
        hits = native.span_pairs(native.kernels.find_all(lowered, needles, word_start))
        return [(start, start + len(needles[k])) for k, start in hits]
    return find_each(lowered, needles, word_start)


@dataclass(frozen=True, slots=True)
class KeywordPlan:
    """Groups of (needles, word_start), packed into C scans (`plan_keywords`): per scan its
    needles, each needle's word_start flag and the end index of each of its groups."""

    groups: tuple[tuple[tuple[str, ...], bool], ...]
    scans: tuple[tuple[tuple[str, ...], tuple[bool, ...], tuple[int, ...]], ...]


def plan_keywords(groups: Sequence[tuple[tuple[str, ...], bool]]) -> KeywordPlan:
    """Pack consecutive groups into one scan while their needles number at most `FIND_ALL_MAX`
    (a larger group gets a scan of its own, which `anchor_groups` runs with `str.find`).
    Built once per `Detectors`: the tuples cost more to build than the scan takes."""
    batches: list[list[tuple[tuple[str, ...], bool]]] = []
    for group in groups:
        if not batches or sum(len(g) for g, _ in batches[-1]) + len(group[0]) > FIND_ALL_MAX:
            batches.append([])
        batches[-1].append(group)
    scans = tuple(
        (tuple(n for g, _ in batch for n in g), tuple(w for g, w in batch for _ in g),
         tuple(itertools.accumulate(len(g) for g, _ in batch)))
        for batch in batches
    )  # fmt: skip
    return KeywordPlan(tuple(groups), scans)


def anchor_groups(lowered: str, plan: KeywordPlan) -> list[list[Window]]:
    """`keyword_anchors(lowered, needles, word_start)` for each group of `plan`, from one C scan
    per packed batch (the detectors' secret keywords, ID labels and name intros in one, the
    special-category terms in another: two passes where there were four)."""
    if native.kernels is None or not lowered.isascii():
        return [find_each(lowered, group, word_start) for group, word_start in plan.groups]
    found: list[list[Window]] = []
    for needles, flags, ends in plan.scans:
        if len(needles) > FIND_ALL_MAX:
            found.append(find_each(lowered, needles, flags[0]))  # one group, too big to scan
            continue
        batch: list[list[Window]] = [[] for _ in ends]
        at = 0
        # the hits come needle by needle, in needle order: each group's in one stretch (few
        # hits per text: this loop cost fewer instructions than a bisect per group)
        for k, start in native.span_pairs(native.kernels.find_all(lowered, needles, flags)):
            while k >= ends[at]:
                at += 1
            batch[at].append((start, start + len(needles[k])))
        found += batch
    return found


def _after_a_word_character(text: str, i: int) -> bool:
    return i > 0 and text[i - 1].isascii() and text[i - 1].isalnum()


def find_each(lowered: str, keywords: Iterable[str], word_start: bool = False) -> list[Window]:
    """`keyword_anchors` with `str.find`, keyword by keyword (the reference for `find_all`)."""
    found = []
    for keyword in keywords:
        i = lowered.find(keyword)
        while i != -1:
            if not (word_start and _after_a_word_character(lowered, i)):
                found.append((i, i + len(keyword)))
            i = lowered.find(keyword, i + 1)
    return found
