"""Where the secret rules (`credentials`) run: only where a literal they need occurs.

Most prompts hold no key at all, so the scan first asks, in one C pass each, which literals
occur where: the token rules' needles ("AKIA", "ghp", "eyJ", ...) in the whitespace-free
runs that such keys sit in (16 characters or more for most rules; `needle_runs`), and the
keyword rules' keywords ("pass", "key", "@", ...) in the lower-cased text. A rule whose
literals are all absent costs nothing more; the others run their regexes only inside the runs
that hold a needle and are long enough for the rule, or in windows around their keywords.
`SecretIndex` holds those literals, built once per `Detectors`.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass

from classifier import native, windows
from classifier.credentials import SecretRule

Found = Iterator[tuple[int, int]]
MAX_KERNEL_NEEDLES = 128  # `needle_runs` keeps one bit per needle


@dataclass(frozen=True, slots=True)
class SecretIndex:
    """The rules and the literals that gate them (`build_index`)."""

    rules: tuple[SecretRule, ...]
    keywords: tuple[str, ...]  # every keyword rule's keywords (lower-case), once each
    needles: tuple[str, ...]  # every token rule's needles, once each
    minimum: int  # the shortest run any token rule's key may sit in
    # a keyword or needle -> the indices of the rules it gates (keywords are lower-case and
    # needles mostly not, so the two never share a key; if they did, a rule would only be tried
    # in vain, never missed)
    rules_of: dict[str, tuple[int, ...]]


def build_index(rules: tuple[SecretRule, ...]) -> SecretIndex:
    def once(words: Iterator[str]) -> tuple[str, ...]:
        return tuple(dict.fromkeys(words))

    rules_of: dict[str, tuple[int, ...]] = {}
    for i, rule in enumerate(rules):
        # a needle is sought in a whitespace-free run of the text's ASCII view, where "?"
        # stands for any non-ASCII character
        if any(not n.isascii() or "?" in n or not n or any(ch.isspace() for ch in n)
               for n in rule.needles):  # fmt: skip
            raise ValueError(f"rule {rule.name}: a needle is one ASCII word without '?'")
        for literal in rule.keywords or rule.needles:
            rules_of[literal] = (*rules_of.get(literal, ()), i)
    tokens = [rule for rule in rules if not rule.keywords]
    needles = once(n for rule in tokens for n in rule.needles)
    if len(needles) > MAX_KERNEL_NEEDLES:  # the reference would serve them, ~10x slower
        raise ValueError(f"{len(needles)} needles: `needle_runs` seeks {MAX_KERNEL_NEEDLES}")
    return SecretIndex(
        rules,
        once(keyword for rule in rules for keyword in rule.keywords),
        needles,
        min((rule.min_length for rule in tokens), default=1),
        rules_of,
    )


def needle_runs(
    text: str, view: str, needles: tuple[str, ...], minimum: int
) -> dict[str, list[tuple[int, int]]]:
    """Each of `needles` found -> the whitespace-free runs of `text` of at least `minimum`
    characters that hold it (in `view`, `text`'s ASCII view), as (start, end) in text order.
    One C pass (`needle_runs`); the reference cuts the long runs (`long_tokens`) and asks each
    for each needle."""
    found: dict[str, list[tuple[int, int]]] = {}
    if native.kernels is not None and 0 < len(needles) <= MAX_KERNEL_NEEDLES:
        for k, start, end in struct.iter_unpack(
            "qqq", native.kernels.needle_runs(text, view, needles, minimum)
        ):
            found.setdefault(needles[k], []).append((start, end))
        return found
    for start, end in long_tokens(text, minimum) if needles else ():
        run = view[start:end]
        for needle in needles:
            if needle in run:
                found.setdefault(needle, []).append((start, end))
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
    held = needle_runs(text, view, index.needles, index.minimum)
    hits = _keyword_hits(lowered, index, keywords)
    for rule in (index.rules[i] for i in sorted({i for n in (*held, *hits)
                                                   for i in index.rules_of[n]})):  # fmt: skip
        if rule.keywords:
            yield from _around_keywords(text, lowered, rule, hits)
            continue
        for start, end in sorted({run for needle in rule.needles for run in held.get(needle, ())}):
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
