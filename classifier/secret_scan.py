"""Where the secret rules (`credentials`) run: only where a literal they need occurs.

Most prompts hold no key at all, so the scan first asks, in one C pass each, which literals
occur anywhere: the token rules' needles ("AKIA", "ghp", "eyJ", ...) in the whitespace-free
runs of 16+ characters that such keys sit in, and the keyword rules' keywords ("pass", "key",
"@", ...) in the lower-cased text. A rule whose literals are all absent costs nothing more; the
others run their regexes only inside the runs that hold a needle, or in windows around their
keywords. `SecretIndex` holds those literals, built once per `Detectors`.
"""

from __future__ import annotations

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


def _present(text: str, literals: tuple[str, ...]) -> set[str]:
    """The literals that occur in `text` (one C pass; case-sensitive)."""
    if not literals:
        return set()
    return {text[start:end] for start, end in windows.keyword_anchors(text, literals)}


def find_secrets(
    text: str, view: str, lowered: str, index: SecretIndex, gated: bool = True
) -> Found:
    """Yield (start, end) of every secret in `text` (spans may overlap); `view` is
    `windows.ascii_view(text)` and `lowered` is `view.lower()`. `gated=False` tries every
    rule in every run, whatever literals occur: the reference the gates are tested against."""
    tokens = long_tokens(text)
    # what the token rules' needles must hit: the runs of 16+, joined
    joined = " ".join(view[start:end] for start, end in tokens)
    present = _present(joined, index.needles) if tokens else set()
    present |= _present(view, index.short_needles)
    hits: dict[str, list[tuple[int, int]]] = {}  # every rule's keywords, found in one scan
    for start, end in windows.keyword_anchors(lowered, index.keywords):
        hits.setdefault(lowered[start:end], []).append((start, end))
    # only the rules whose literals occur, in rule order
    wanted = sorted({i for literal in (*present, *hits) for i in index.rules_of[literal]})
    if not gated:
        wanted, present = list(range(len(index.rules))), set(index.rules_of)
    shorter: dict[int, list[tuple[int, int]]] = {}  # runs of fewer than 16, by minimum
    for rule in (index.rules[i] for i in wanted):
        if rule.keywords:
            yield from _around_keywords(text, lowered, rule, hits)
            continue
        needles = [needle for needle in rule.needles if needle in present]
        pool = tokens
        if rule.min_length < 16:
            if rule.min_length not in shorter:
                shorter[rule.min_length] = long_tokens(text, rule.min_length)
            pool = shorter[rule.min_length]
        for start, end in pool:
            if end - start >= rule.min_length:
                piece = text[start:end]
                if any(needle in piece for needle in needles):
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
