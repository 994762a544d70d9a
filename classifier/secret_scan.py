"""Where the secret rules (`credentials`) run: only where a literal they need occurs.

Most prompts hold no key at all, so the scan first asks, in one C pass each, which literals
occur anywhere: the token rules' needles ("AKIA", "ghp", "eyJ", ...) in the whitespace-free
runs of 16+ characters that such keys sit in, and the keyword rules' keywords ("pass", "key",
"@", ...) in the lower-cased text. A rule whose literals are all absent costs nothing more; the
others run their regexes only inside the runs that hold a needle, or in windows around their
keywords. `SecretIndex` holds those literals, built once per `Detectors`.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass

from classifier import native, windows
from classifier.credentials import SecretRule

Found = Iterator[tuple[int, int]]


@dataclass(frozen=True, slots=True)
class SecretIndex:
    """The rules and the literals that gate them (`build_index`)."""

    rules: tuple[SecretRule, ...]
    keywords: tuple[str, ...]  # every keyword rule's keywords (lower-case), once each
    needles: tuple[str, ...]  # every needle of the rules that run in runs of 16+, once each
    short_needles: tuple[str, ...]  # the same for rules whose keys may be shorter (sought in text)
    # a keyword or needle -> the indices of the rules it gates (keywords are lower-case and
    # needles mostly not, so the two never share a key; if they did, a rule would only be tried
    # in vain, never missed)
    rules_of: dict[str, tuple[int, ...]]


def build_index(rules: tuple[SecretRule, ...]) -> SecretIndex:
    def once(words: Iterator[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(words))

    rules_of: dict[str, tuple[int, ...]] = {}
    for i, rule in enumerate(rules):
        if any(not needle or any(ch.isspace() for ch in needle) for needle in rule.needles):
            raise ValueError(f"rule {rule.name}: a needle is one word (`_holders`)")
        for literal in rule.keywords or rule.needles:
            rules_of[literal] = (*rules_of.get(literal, ()), i)
    tokens = [rule for rule in rules if not rule.keywords]
    return SecretIndex(
        rules,
        once(keyword for rule in rules for keyword in rule.keywords),
        once(n for rule in tokens if rule.min_length >= 16 for n in rule.needles),
        once(n for rule in tokens if rule.min_length < 16 for n in rule.needles),
        rules_of,
    )


def _anchors(text: str, needles: tuple[str, ...]) -> list[tuple[int, int]]:
    """Every occurrence of the needles in `text` (one C pass; case-sensitive)."""
    return windows.keyword_anchors(text, needles) if needles else []


def _holders(
    text: str, pieces: list[tuple[int, int]], anchors: list[tuple[int, int]]
) -> dict[str, list[int]]:
    """Each needle occurring at `anchors` (`_anchors` of `text`) -> the indices of the `pieces`
    (sorted, disjoint (start, end) spans of `text`) that hold an occurrence, ascending.
    Needles hold no space (`build_index`)."""
    starts = [start for start, _ in pieces]
    found: dict[str, list[int]] = {}
    for start, end in anchors:
        at = bisect.bisect_right(starts, start) - 1
        holders = found.setdefault(text[start:end], [])
        if at >= 0 and end <= pieces[at][1] and (not holders or holders[-1] != at):
            holders.append(at)
    return found


def _keyword_hits(
    lowered: str, index: SecretIndex, anchors: list[tuple[int, int]] | None = None
) -> dict[str, list[tuple[int, int]]]:
    """Every rule's keywords (`anchors`, if the caller's scan found them): keyword -> spans."""
    hits: dict[str, list[tuple[int, int]]] = {}
    if anchors is None:
        anchors = windows.keyword_anchors(lowered, index.keywords)
    for start, end in anchors:
        hits.setdefault(lowered[start:end], []).append((start, end))
    return hits


def find_secrets(
    text: str,
    view: str,
    lowered: str,
    index: SecretIndex,
    gated: bool = True,
    keywords: list[tuple[int, int]] | None = None,
) -> Found:
    """Yield (start, end) of every secret in `text` (spans may overlap); `view` is
    `windows.ascii_view(text)` and `lowered` is `view.lower()`; `keywords` are the occurrences
    of `index.keywords` when the caller's one scan found them (`detectors.detect`). A rule runs
    only where a literal of its occurs: a token rule in the runs that hold one of its needles,
    a keyword rule around its keywords. `gated=False` tries every rule in every run: the
    reference the gates are tested against (`_every_rule`)."""
    if not gated:
        yield from _every_rule(text, lowered, index)
        return
    tokens = long_tokens(text)
    # what the token rules' needles must hit: the runs of 16+, joined by a space
    joined, pieces, at = " ".join(view[start:end] for start, end in tokens), [], 0
    for start, end in tokens:
        pieces.append((at, at + end - start))
        at += end - start + 1
    holders = _holders(joined, pieces, _anchors(joined, index.needles) if tokens else [])
    # the shorter rules' needles, sought in the whole text: their runs are found on demand
    short_anchors = _anchors(view, index.short_needles)
    short = {view[s:e] for s, e in short_anchors}
    hits = _keyword_hits(lowered, index, keywords)
    literals = [needle for needle, held in holders.items() if held] + [*short, *hits]
    shorter: dict[int, tuple[list[tuple[int, int]], dict[str, list[int]]]] = {}
    for rule in (index.rules[i] for i in sorted({i for n in literals for i in index.rules_of[n]})):
        if rule.keywords:
            yield from _around_keywords(text, lowered, rule, hits)
            continue
        pool, held = tokens, holders
        if rule.min_length < 16:  # runs of fewer than 16, by minimum, and their needles
            if rule.min_length not in shorter:
                runs = long_tokens(text, rule.min_length)
                shorter[rule.min_length] = (runs, _holders(view, runs, short_anchors))
            pool, held = shorter[rule.min_length]
        for i in sorted({i for needle in rule.needles for i in held.get(needle, ())}):
            start, end = pool[i]
            if end - start >= rule.min_length:
                yield from _matches(text, rule, start, end)


def _every_rule(text: str, lowered: str, index: SecretIndex) -> Found:
    """Every rule in every run long enough for it, keyword rules around every keyword."""
    hits = _keyword_hits(lowered, index)
    for rule in index.rules:
        if rule.keywords:
            yield from _around_keywords(text, lowered, rule, hits)
            continue
        for start, end in long_tokens(text, rule.min_length):
            yield from _matches(text, rule, start, end)


def _around_keywords(
    text: str, lowered: str, rule: SecretRule, hits: dict[str, list[tuple[int, int]]]
) -> Found:
    anchors = [span for keyword in rule.keywords for span in hits.get(keyword, ())]
    if rule.operators:
        anchors = [(s, e) for s, e in anchors
                   if any(op in lowered[e : e + 24] for op in rule.operators)]  # fmt: skip
    if rule.head_at_keyword:  # a match starts where a keyword does: try only there
        starts = sorted({start for start, _ in anchors})
        whole = (rule.pattern.match(text, start, start + rule.reach) for start in starts)
        yield from _accepted(rule, (m for m in whole if m is not None))
        return
    if rule.head is not None:
        # a name holding the keyword starts <= 24 characters before it; the operator follows
        # within 24 characters (the filter above)
        for start, end in windows.around(text, anchors, 24, 26):
            yield from _headed(text, rule, start, end)
        return
    for start, end in windows.around(text, anchors, 40, rule.reach):
        yield from _matches(text, rule, start, end)


def _matches(text: str, rule: SecretRule, start: int, end: int) -> Iterator[tuple[int, int]]:
    return _accepted(rule, rule.pattern.finditer(text, start, end))


def _headed(text: str, rule: SecretRule, start: int, end: int) -> Iterator[tuple[int, int]]:
    assert rule.head is not None
    heads = rule.head.finditer(text, start, end)
    whole = (rule.pattern.match(text, h.start(), h.start() + rule.reach) for h in heads)
    return _accepted(rule, (m for m in whole if m is not None))


def _accepted(rule: SecretRule, matches: Iterator[re.Match[str]]) -> Iterator[tuple[int, int]]:
    for match in matches:
        value = match.group(rule.group)
        if rule.check is not None and not rule.check(value):
            continue
        left, right = match.span(rule.group)
        if len(value) > 1 and value[0] in "\"'" and value[-1] == value[0]:
            left, right = left + 1, right - 1  # report the quoted value, not its quotes
        yield left, right


def long_tokens(text: str, minimum: int = 16) -> list[tuple[int, int]]:
    """(start, end) of every whitespace-free run of at least `minimum` characters: `str.split`
    runs in C, about twice as fast as a regex scan, and long runs are rare in prose; the C
    kernel's `long_runs` does the same in one pass and builds no word objects."""
    if native.kernels is not None:
        return native.span_pairs(native.kernels.long_runs(text, minimum))
    found, position = [], 0
    for word in text.split():
        if len(word) >= minimum:
            position = text.find(word, position)
            found.append((position, position + len(word)))
            position += len(word)
    return found
