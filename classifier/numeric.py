"""Numeric identifiers: cards, SSNs and ITINs, IPv4 and IPv6 addresses, IBANs and phone numbers.

Each is found in two stages: a permissive pattern proposes candidates and a validator from
`validators` decides (Luhn, mod-97, the SSA's and IRS's ranges, phone shapes). Candidates are
sought only near what they are made of: runs of digits (`runs`, `number_windows`), and for
IPv6 pairs of colons. `NumberPatterns` holds the compiled patterns; `build()` is called by
`detectors.build_detectors`, so importing this module compiles nothing.
"""

from __future__ import annotations

import bisect
import itertools
import re
import struct
from dataclasses import dataclass

from classifier import native, validators, windows

Span = tuple[str, int, int]
Shape = tuple[int, int, int]  # (shape, start, end): see `shape_candidates`


@dataclass(frozen=True, slots=True)
class NumberPatterns:
    """Compiled patterns of the numeric detectors (immutable, shared safely across threads)."""

    number: re.Pattern[str]
    card: re.Pattern[str]
    ssn: re.Pattern[str]
    ssn_context: re.Pattern[str]
    phone: re.Pattern[str]
    phone_loose: re.Pattern[str]
    phone_cue: re.Pattern[str]  # any of `_PHONE_CUES`, anywhere (the gate of `phone_loose`)
    iban: re.Pattern[str]
    ipv4: re.Pattern[str]
    ipv6: re.Pattern[str]


# A number starts after a non-word character, or after a literal "\n" (JSON-escaped text).
_AFTER = r"(?:(?<![\w+\-.])|(?<=\\[nrt]))"


def _starting_with(first: str, pattern: str) -> re.Pattern[str]:
    """`pattern`, led by a lookahead on the class its matches start with. Patterns that open
    with a look-behind or an alternation give `re` no prefix to skip ahead on, so it tries
    every position in Python-visible time; a leading character class lets it skip in C (about
    half the time on digit windows)."""
    return re.compile(f"(?={first})(?:{pattern})")


def build() -> NumberPatterns:
    """Compile the patterns once (a few milliseconds)."""
    return NumberPatterns(
        # a run of digits and separators holding at least four digits, in one regex pass
        number=re.compile(r"\d(?:[\d ().\-/:]*?\d){3}[\d ().\-/:]*"),
        # 12-19 digits with single spaces or dashes between, or four groups of four dotted
        # (written so in some countries); a dotted group of five, or a fifth group, is a
        # version or a build number, not a card
        card=_starting_with(r"\d", r"(?<![\w-])(?:\d(?:[ -]?\d){11,18}"
                                   r"|(?<!\.)\d{4}(?:\.\d{4}){3}(?!\.?\d))(?![\w-])"),
        ssn=_starting_with(r"\d", r"(?<![\d-])\d{3}([- ]?)\d{2}\1\d{4}(?![\d-])"),
        # the leading class (folded as the words are) lets `re` skip ahead in C: 1.2 -> 0.6 µs
        ssn_context=re.compile(r"(?i)(?=[sit])\b(?:ssn|social security|ss#|ss no|itin|taxpayer)"),
        # up to five groups after the first: 04.00.14.32.96, 06321 45 76 37, 21 232 583 9689
        phone=_starting_with(r"[\d+(]", _AFTER + r"(?:\+\d{1,3}[ .-]?(?:\(0\)\s?)?)?"
                         r"(?:\(\d{1,4}\)[ .-]?|\d{1,5}[ .-])\d{2,8}(?:[ .-]\d{2,4}){0,3}"
                         r"(?:\s?(?:x|ext\.?\s?)\d{1,5})?"
                         r"(?!\w|-\d|\.\d)|(?<![\w+])\+\d{8,15}\b"),
        # Any grouping of 6-15 digits (local, European, with a trunk "(0)"): a phone number
        # only after a word that says so (`_PHONE_CUES`).
        phone_loose=_starting_with(r"[\d+(]", _AFTER + r"(?:\+\d{1,3}[ .-]?)?(?:\(0\)\s?)?"
                               r"(?:\(\d{1,5}\)\s?)?\d{1,12}(?:[ .-]\d{1,8}){0,5}"
                               r"(?:\s?(?:x|ext\.?\s?)\d{1,5})?"
                               r"(?!\w|-\d|\.\d)"),
        phone_cue=re.compile("|".join(map(re.escape, _PHONE_CUES))),
        # in either case: people type "gb29 nwbk ..." too (`is_iban` reads it upper-cased)
        iban=_starting_with("[A-Za-z]", r"\b[A-Za-z]{2}\d{2}(?:[ -]?[A-Za-z0-9]{4}){2,7}"
                                        r"(?:[ -]?[A-Za-z0-9]{1,3})?\b"),
        ipv4=_starting_with(r"\d", r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?!\.?\d|\w)"),
        ipv6=_starting_with("[0-9A-Fa-f:]", r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:|:){2,7}"
                                             r"(?::|[0-9A-Fa-f]{1,4})(?![\w:])"),
    )  # fmt: skip


# Words just before a number that make it a phone number or a card number (lower-cased).
# A cue must start a word ("during" holds "ring", "hotel" "tel", "recall" "call").
_PHONE_CUES = ("phone", "call", "tel", "mobile", "cell", "fax", "desk", "reach", "contact",
               "text", "sms", "whatsapp", "dial", "ring", "message", "hotline", "landline",
               "helpline", "voicemail", "pager", "answering", "my number", "his number",
               "her number", "your number", "our number", "their number", "new number")  # fmt: skip
_ESCAPES = ("\\n", "\\r", "\\t")
_CARD_CUES = ("card", "cc ", "cc#", "maestro", "debit", "credit")
_IBAN_CUES = ("iban",)
_CUE_REACH = 32


def _cued(text: str, start: int, cues: tuple[str, ...]) -> bool:
    """A word of `cues` starts within `_CUE_REACH` characters before `start`."""
    before = text[max(0, start - _CUE_REACH) : start].lower()
    for cue in cues:
        i = before.find(cue)
        while i != -1:
            # a word starts after a non-letter or a literal "\n" (JSON-escaped text)
            if i == 0 or not before[i - 1].isalpha() or before[i - 2 : i] in _ESCAPES:
                return True
            i = before.find(cue, i + 1)
    return False


def digit_count(text: str) -> int:
    """ASCII digits in `text`, counted in its UTF-8 bytes: `bytes.translate` runs at ~1 ns per
    byte, while `str.translate` on text with any non-ASCII character costs ~50 ns per one."""
    data = text.encode("utf-8", "replace")
    return len(data) - len(data.translate(None, b"0123456789"))


def number_runs(text: str, p: NumberPatterns) -> list[windows.Window]:
    """Every run of digits (with separators) holding at least four digits."""
    if native.kernels is not None:  # the same runs, one C pass
        return native.span_pairs(native.kernels.digit_runs(text, 4))
    if digit_count(text) < 4:
        return []
    return [m.span() for m in p.number.finditer(text)]


def number_windows(text: str, runs: list[windows.Window]) -> list[windows.Window]:
    """Windows around the digit runs: the cues before a number (labels, "born") live there."""
    return windows.around(text, runs, 40, 8)


# The shapes of `shape_candidates` (numbers.c's `enum Shape`): an SSN's separated form is an
# SSN or ITIN alone, its bare nine digits only where the text says so.
IPV4, CARD, SSN_SEPARATED, SSN_BARE = range(4)


def shape_candidates(text: str, p: NumberPatterns, runs: list[windows.Window]) -> list[Shape]:
    """Candidates of the card, SSN and IPv4 patterns as (shape, start, end), per digit run:
    their matches are digits, spaces, dashes and dots, all of a run's characters, so each
    lies inside one run, and a run's matches do not depend on the text between runs. The C
    kernel reads them off each run in one pass, instead of three patterns over every number
    window (~25 µs on a prompt that is a table of dates and decimals)."""
    if native.kernels is not None:
        return list(struct.iter_unpack("qqq", native.kernels.number_shapes(text, runs)))
    return shape_candidates_reference(text, p, runs)


def shape_candidates_reference(
    text: str, p: NumberPatterns, runs: list[windows.Window]
) -> list[Shape]:
    """`shape_candidates` by the patterns, on each run long enough for one (7, 12 and 9
    characters) with the character after it in view of their look-aheads: the reference for
    the C kernel."""
    found: list[Shape] = []
    for start, end in runs:
        stop = min(len(text), end + 1)
        if end - start >= 7 and text.count(".", start, end) >= 3:
            found += [(IPV4, *m.span()) for m in p.ipv4.finditer(text, start, stop)]
        if end - start >= 12:
            found += [(CARD, *m.span()) for m in p.card.finditer(text, start, stop)]
        if end - start >= 9:
            found += [(SSN_SEPARATED if m.group(1) else SSN_BARE, *m.span())
                      for m in p.ssn.finditer(text, start, stop)]  # fmt: skip
    return found


def _shaped(text: str, p: NumberPatterns, runs: list[windows.Window]) -> list[Span]:
    """Cards, SSNs, ITINs and public IPv4 addresses: the candidates that pass validation."""
    found: list[Span] = []
    for shape, start, end in shape_candidates(text, p, runs):
        value = text[start:end]
        if shape == IPV4:
            if validators.is_public_ip(value):
                found.append(("IP_ADDRESS", start, end))
        elif shape == CARD:
            if validators.is_luhn(value) or (
                validators.is_short_maestro(value) and _cued(text, start, _CARD_CUES)
            ):
                found.append(("CREDIT_CARD", start, end))
            elif _cued(text, start, _CARD_CUES):  # labelled a card: an ID, checksum or not
                found.append(("ID_NUMBER", start, end))
        elif shape == SSN_SEPARATED or p.ssn_context.search(text, max(0, start - 40), start):
            # An SSN, or an ITIN (the IRS's number for those without one, in area 9xx); nine
            # bare digits are either only when the text says so nearby (asked first: tables
            # of decimals hold many such runs, and the validators cost ~2 µs a candidate)
            if validators.is_us_ssn(value):
                found.append(("US_SSN", start, end))
            elif validators.is_us_itin(value):
                found.append(("US_ITIN", start, end))
    return found


def phone_matches(text: str, p: NumberPatterns, start: int, end: int) -> list[re.Match[str]]:
    """`p.phone.finditer(text, start, end)`, tried only where the C kernel says a match can
    begin (`phone_starts`: a digit, "+" or "(" with what the pattern needs next to it): the
    same matches, where `re` alone tries every position of the window (~8 ns each, ~17 µs
    on a window spanning a table of numbers)."""
    if native.kernels is None:
        return list(p.phone.finditer(text, start, end))
    return _matches_at(text, p.phone, native.kernels.phone_starts(text, start, end), end)


def iban_matches(text: str, p: NumberPatterns, start: int, end: int) -> list[re.Match[str]]:
    """`p.iban.finditer(text, start, end)`, tried only where `iban_starts` finds two ASCII
    letters and two digits at a word's start (most windows hold none)."""
    if native.kernels is None:
        return list(p.iban.finditer(text, start, end))
    return _matches_at(text, p.iban, native.kernels.iban_starts(text, start, end), end)


def _matches_at(
    text: str, pattern: re.Pattern[str], starts: bytes, end: int
) -> list[re.Match[str]]:
    """`finditer` of `pattern` up to `end`, tried only at `starts` (int64 positions, in
    order; every position where a match can begin is among them): a match moves the search
    on to its end, as `finditer` does."""
    found: list[re.Match[str]] = []
    resume = 0
    for (at,) in struct.iter_unpack("q", starts):
        if at >= resume and (m := pattern.match(text, at, end)):
            found.append(m)
            resume = m.end()
    return found


def _cue_in_reach(text: str, lowered: str, p: NumberPatterns, start: int, end: int) -> bool:
    """Whether any of `_PHONE_CUES` occurs in text[start:end], lower-cased, found by the C
    keyword scan (~1 ns a character; the alternation of 28 words costs `re` ~20 ns a
    character, 44 µs over a 500-token prompt). The scan reads ASCII: an ASCII text's
    lower-cased view is `lowered`; otherwise the lower-cased slice with every non-ASCII
    character as "?" (one for one, so the ASCII words in it are the same)."""
    if native.kernels is None:
        return p.phone_cue.search(text[start:end].lower()) is not None
    view = lowered[start:end] if text.isascii() else windows.ascii_view(text[start:end].lower())
    return bool(native.kernels.find_all(view, _PHONE_CUES, False))


def _in_window(
    text: str, lowered: str, p: NumberPatterns, start: int, end: int, scan: int, gated: bool = True
) -> list[Span]:
    """IBANs and phone numbers in the window [start, end). Phone numbers are digits and
    separators, preceded at most by "+" or "(": they start at most two characters before a
    digit run, so they are sought from `scan` (the window's first run, less two) and not
    through the 40 characters of context before it. IBANs hold letter groups and are sought
    in the whole window. (Cards, SSNs and IPv4 addresses: `_shaped`.)"""
    # Each pattern runs only when the window holds enough digits for its shortest valid match.
    digits = digit_count(text[start:end])
    found: list[Span] = []
    for m in iban_matches(text, p, start, end) if digits >= 8 else ():
        if validators.is_iban(m.group()):
            found.append(("IBAN", *m.span()))
        elif _cued(text, m.start(), _IBAN_CUES):  # labelled an IBAN: an ID, checksum or not
            found.append(("ID_NUMBER", *m.span()))
    if digits < 6:
        return found  # no phone number (6+ digits) fits
    # a match shorter than the validator's fewest digits is skipped unvalidated ("2023")
    phones = [m.span() for m in phone_matches(text, p, scan, end)
              if m.end() - m.start() >= validators.PHONE_MIN_DIGITS
              and validators.is_phone_number(m.group())]  # fmt: skip
    # a loose number is a phone only after a cue within `_CUE_REACH` characters: where the
    # window's reach holds no cue at all (most windows), none of its numbers is tried
    cued = not gated or _cue_in_reach(text, lowered, p, max(0, scan - _CUE_REACH), end)
    for m in p.phone_loose.finditer(text, scan, end) if cued else ():
        if (
            m.end() - m.start() >= validators.LOCAL_PHONE_MIN_DIGITS
            and all(m.end() <= s or m.start() >= e for s, e in phones)
            and validators.is_local_phone(m.group())
            and _cued(text, m.start(), _PHONE_CUES)
        ):
            phones.append(m.span())
    return found + [("PHONE_NUMBER", s, e) for s, e in phones]


def find(
    text: str,
    lowered: str,
    p: NumberPatterns,
    runs: list[windows.Window],
    numeric: list[windows.Window],
) -> list[Span]:
    """Every numeric identifier in `text` (`lowered` is its `detectors.ascii_lower` view,
    `runs` and `numeric` its `number_runs` and their `number_windows`), validated, in no
    particular order and possibly overlapping (`detectors.resolve_overlaps` decides)."""
    found = _shaped(text, p, runs) if runs else []
    firsts = [s for s, _ in runs]
    for start, end in numeric:  # each window holds a run: the first one starting in it
        at = bisect.bisect_left(firsts, start)
        found += _in_window(text, lowered, p, start, end, max(start, firsts[at] - 2))
    if "::" in text or text.count(":") >= 7:
        # An IPv6 address (at most 39 characters) holds two colons at most 5 apart and lies
        # within 40 characters of each of them: windows only around such pairs (prose and
        # code put their colons further apart).
        colons = [s for s, _ in windows.keyword_anchors(lowered, (":",))]
        pairs = [(s, t + 1) for s, t in itertools.pairwise(colons) if t - s <= 5]
        for start, end in windows.around(text, pairs, 40, 40):
            found += [("IP_ADDRESS", *m.span()) for m in p.ipv6.finditer(text, start, end)
                      if validators.is_public_ip(m.group())]  # fmt: skip
    return found
