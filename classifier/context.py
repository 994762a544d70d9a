"""Soft sensitivity cues: names, addresses, birth dates, labelled ID numbers, health and money.

These carry no checksum, so each is anchored on context that people write around personal
data ("passport number", "born on", "Dr.", a common first name followed by a surname, a house
number followed by a street type). They raise the soft sensitivity score, weighted in
`sensitivity`, but are never hard entities on their own: "Dr. Smith" is not a secret.
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass

from classifier import name_street, windows

Span = tuple[str, int, int]

_DATE = (
    r"(?:\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{4}-\d{2}-\d{2}"
    r"|(?:\d{1,2}\s+)?(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
    r"(?:\s+\d{1,2}(?:st|nd|rd|th)?)?,?\s+\d{4})"
)
# Alternatives only, split at "|" to find each one's leading letters (`_leading_literal`):
# no group may hold a "|" of its own.
_ID_LABELS = (
    r"passport|driver'?s?\s+licen[cs]e|licen[cs]e|tax\s+id|tax\s+number|tax\s+code"
    r"|tax\s+reference|taxpayer\s+id|tin|ein|national\s+id"
    r"|aadhaa?r|pan|patient\s+id|mrn|medical\s+record|account|acct|routing|policy|member\s+id"
    r"|employee\s+id|voter\s+id|insurance\s+id|policyholder\s+id|user\s+id|customer\s+id"
    r"|sort\s+code|bsb|swift|bic|id|identification|insurance|registration"
    r"|ssn|social\s+security"  # a number labelled so is an ID even where the SSN check fails
    r"|nhs|medicare|mbi|tax\s+file|tfn|national\s+insurance|nino|ni number|ni no|social\s+insurance"
)
# Keywords: a trailing * matches any word starting with the stem, otherwise whole words only.
_MEDICAL = tuple(
    "diagnos* patient* prescri* symptom* hiv aids cancer tumor* tumour* diabet* depressi* "
    "anxiety medication* therap* pregnan* surgery disorder* insulin psychiatr* overdose "
    "disabilit* chemotherapy hepatitis allerg* mental_health".replace("_", "\0").split()
)
_FINANCIAL = tuple(
    "salary salaries mortgage* loan loans bankrupt* debt debts payroll income net_worth "
    "credit_score tax_return bank_account account_balance wire_transfer".replace("_", "\0").split()
)


# A labelled ID's value: up to three letter groups joined by "-", "_" or ":" (a state or
# country code, a document code: "DL:US98765432", "CA_DL_98765432", "US-PP-987654321"), or two
# capitals and a space ("QQ 12 34 56 C"); then a digit and more, in up to six groups split by
# single spaces ("2345 6789 0123", "123 456 782"), each opening with a digit; at least four
# digits in all (`_id_numbers`). It may stand in quotes.
_ID_VALUE = (
    r"((?:(?<![A-Za-z])[A-Za-z]{1,6}(?:[-_:][A-Za-z]{1,6}){0,2}|(?<![A-Za-z])[A-Z]{2} )?[-_:]?"
    r"\d[A-Za-z0-9-]{0,24}(?: \d[A-Za-z0-9-]{0,24}){0,5})\b"
)
_BIRTH_LABELS = r"date of birth|d\.?o\.?b\.?|born(?: on)?|birth ?date|birthday"
# the words the name intros ("my name is", "name:", "i am called") and the postal codes ("my zip
# code", "our postcode") hold: their patterns run only around these, at word starts
INTRO_WORDS = ("name", "called", "zip", "post")
# Between a birth label and its date: punctuation, and "is" / "was", or a new sentence that
# gives it ("Please tell me your date of birth. It's 12/10/1998", "DOB? Mine is 3/4/1980").
_BIRTH_BRIDGE = r"[\s:,.?!\u2013\u2014-]*(?:(?i:it['\u2019]?s|it\s+is|mine\s+is|is|was)\s+)?"
# A postal code the writer gives as their own ("my zip code is 45011", "our postcode: SW1A
# 1AA", "my postal code is G8K 1B1"): a group of letters and digits, then perhaps a second one
# that holds a digit or is two capitals ("3132 HD"); at least two digits (`_postal_codes`).
_POSTAL_CODE = (
    r"(?=[mMoO])(?i:\b(?:my|our)\s+(?:(?:home|current|new)\s+)?"
    r"(?:zip(?:\s*code)?|post(?:al)?\s*code))(?:\s+(?i:is)|\s*[:=])?\s+"
    r"([A-Za-z0-9]{1,5}(?:[ -](?=[A-Za-z]{0,3}\d|[A-Z]{2}\b)[A-Za-z0-9]{1,4})?)\b"
)
_NAME_INTROS = r"my name is|i am called|name:"
# A Medicare Beneficiary Identifier (CMS's layout): 11 characters, digits and letters in fixed
# places, the letters S, L, O, I, B and Z never used; printed as 4-3-4 with dashes or without.
# It holds no run of four digits, so no number window finds it: it is sought only beside its
# label (`MBI_LABELS`), and its layout is strict enough to need no further check.
_MBI_LETTER = "[AC-HJKMNP-RT-Yac-hjkmnp-rt-y]"
_MBI_EITHER = "[0-9AC-HJKMNP-RT-Yac-hjkmnp-rt-y]"
_MBI = (
    rf"(?<![\w-])[1-9]{_MBI_LETTER}{_MBI_EITHER}\d(-?){_MBI_LETTER}{_MBI_EITHER}\d\1"
    rf"{_MBI_LETTER}{{2}}\d\d(?![\w-])"
)
MBI_LABELS = ("medicare", "mbi")  # ID labels (`_ID_LABELS`) an MBI is sought beside
_MBI_REACH = 48  # how far from the label the identifier may stand, either side


def _starting_with_one_of(alternatives: str) -> str:
    """A lookahead on the first letters of a case-insensitive alternation. `re` finds no literal
    prefix in `(?i:...)` and tries the whole alternation at every position; with a leading
    character class it skips ahead in C to where a match can start (2-3x faster on prose)."""
    letters = "".join(sorted({a[0].lower() for a in alternatives.split("|")}))
    return f"(?=[{letters}{letters.upper()}])"


def _leading_literal(alternative: str) -> str:
    """The letters (and literal spaces) every match of a regex alternative starts with:
    `aadhaa?r` -> `aadha`, `ni number` -> `ni number` (a short word needs its second word, or
    its every occurrence inside other words would be a label start to check)."""
    if alternative.count("(") != alternative.count(")"):
        raise ValueError(f"an ID label holds a group with its own '|': {alternative!r}")
    letters = re.match("[a-z ]*", alternative).group()  # type: ignore[union-attr]
    if alternative[len(letters) : len(letters) + 1] in ("?", "*", "{"):
        letters = letters[:-1]  # the last letter is optional
    if not letters:
        raise ValueError(f"an ID label must start with a letter: {alternative!r}")
    return letters


def _keywords(words: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(w.replace("\0", " ") for w in words)  # multi-word keywords were NUL-joined


# what follows the city of "City, ST 12345" (a US address's last line)
_ZIP_TAIL = r",\s+[A-Z]{2}\s+\d{5}(?:-\d{4})?\b"


@dataclass(frozen=True, slots=True)
class Cues:
    """Compiled context patterns and word lists for the soft entity types."""

    names: name_street.NameRule  # the rule-based name and street matcher
    zip_code: re.Pattern[str]
    zip_tail: re.Pattern[str]  # `zip_code` from its comma: `re` finds a literal "," in C
    postal_code: re.Pattern[str]
    name_intro: re.Pattern[str]
    birth_date: re.Pattern[str]
    id_number: re.Pattern[str]
    id_literals: tuple[str, ...]  # each ID label's leading letters: where a match can start
    mbi: re.Pattern[str]  # a Medicare Beneficiary Identifier (`_MBI`)
    keywords: tuple[tuple[str, tuple[str, ...]], ...]


def build_cues() -> Cues:
    """Compile the soft-cue patterns (called once per Classifier, never at import)."""
    return Cues(
        names=name_street.build(),
        zip_code=re.compile(r"\b[A-Z][a-z]+" + _ZIP_TAIL),
        zip_tail=re.compile(_ZIP_TAIL),
        postal_code=re.compile(_POSTAL_CODE),
        name_intro=re.compile(_starting_with_one_of(_NAME_INTROS) + r"(?i:\b(?:" + _NAME_INTROS
                              + r"))\s+([A-Z][a-z]+(?:\s+[A-Z][a-z]+)*)"),
        birth_date=re.compile(_starting_with_one_of(_BIRTH_LABELS) + r"(?i:\b(?:"
                              + _BIRTH_LABELS + r")\b)" + _BIRTH_BRIDGE + "(" + _DATE
                              + r")"),
        id_number=re.compile(_starting_with_one_of(_ID_LABELS) + r"(?i:\b(?:" + _ID_LABELS
                             + r"))(?:\s+(?i:card|plate))?"
                             r"(?:\s+(?i:number|no\.?|num|#|information|info|details|data))?"
                             r"\s*(?:is\s+|[:#=.-]\s*)?['\"`]?" + _ID_VALUE),
        # Found by one C scan of the lower-cased view (`label_starts`): `(?i:...)` compared
        # ~30 labels at every position of every window (~2 µs a window).
        id_literals=tuple(dict.fromkeys(map(_leading_literal, _ID_LABELS.split("|")))),
        mbi=re.compile(_MBI),
        keywords=(("MEDICAL", _keywords(_MEDICAL)), ("FINANCIAL", _keywords(_FINANCIAL))),
    )  # fmt: skip


def keyword_spans(lowered: str, kind: str, keywords: tuple[str, ...]) -> list[Span]:
    found: list[Span] = []
    for keyword in keywords:
        stem, prefix = keyword.rstrip("*"), keyword.endswith("*")
        i = lowered.find(stem)
        while i != -1:
            end = i + len(stem)
            if (i == 0 or not lowered[i - 1].isalpha()) and (
                prefix or end == len(lowered) or not lowered[end].isalpha()
            ):
                found.append((kind, i, end))
            i = lowered.find(stem, end)
    return found


def label_starts(lowered: str, anchors: list[windows.Window]) -> list[int]:
    """Where an ID label may start in `lowered` (the ASCII view), in text order: `anchors` are
    the occurrences of every label's leading letters (`Cues.id_literals`) at word starts, from
    `detect`'s keyword scan; one after "_" starts no label."""
    return sorted({s for s, _ in anchors if s == 0 or lowered[s - 1] != "_"})


def _id_numbers(text: str, cues: Cues, start: int, end: int, labels: list[int]) -> list[Span]:
    """`cues.id_number.finditer(text, start, end)`, tried only where a label may start
    (`labels`, from `label_starts`): every match starts with one, so the same matches,
    non-overlapping, in the same order."""
    found: list[Span] = []
    after = start
    for at in itertools.islice(labels, bisect.bisect_left(labels, start), None):
        if at >= end:
            break
        if at < after:
            continue
        m = cues.id_number.match(text, at, end)
        if m is None:
            continue
        after = m.end()
        if sum(ch.isdigit() for ch in m.group(1)) >= 4:
            found.append(("ID_NUMBER", *m.span(1)))
    return found


def find_cues(
    text: str,
    lowered: str,
    cues: Cues,
    numeric: list[tuple[int, int]],
    labels: list[windows.Window],
    intros: list[windows.Window],
) -> list[Span]:
    """Every anchored soft cue in `text` as (type, start, end). `numeric` are the windows around
    digit runs (labelled IDs, ZIP codes and birth dates live there); `lowered` is `text` with
    ASCII lower-cased; `labels` and `intros` are the occurrences of the ID labels' leading
    letters and of `INTRO_WORDS` at word starts, from `detect`'s keyword scan. Health and money
    context is the PII student's (`pii_model`), which
    reads the personal context a keyword list cannot; the name and street rules stay as a
    recall backup for the student (`keyword_spans` remains as a rule baseline only)."""
    found = name_street.names_and_streets(text, cues.names)
    found += _medicare_ids(text, lowered, cues, labels)
    starts = label_starts(lowered, labels) if numeric else []
    for start, end in numeric:
        found += _id_numbers(text, cues, start, end, starts)
        # substring gates (~0.1 µs) before patterns that cannot match without them (~1 µs)
        if "," in text[start:end]:  # "City, ST 12345"
            found += _zip_codes(text, cues, start, end)
        window = lowered[start:end]
        if any(cue in window for cue in ("birth", "born", "dob", "d.o", "o.b")):  # the labels
            found += [("DATE_OF_BIRTH", *m.span(1))
                      for m in cues.birth_date.finditer(text, start, end)]  # fmt: skip
    # "my name is", "name:" and "i am called" hold "name" or "called", "my zip code is" and
    # "our postcode:" hold "zip" or "post": one scan finds them all, and each pattern runs only
    # around its own words (in code, "name" is everywhere)
    names = [a for a in intros if lowered[a[0]] in "nc"]
    for start, end in windows.around(text, names, 12, 64):
        found += [("PERSON", *m.span(1)) for m in cues.name_intro.finditer(text, start, end)]
    postal = [a for a in intros if lowered[a[0]] in "zp"]
    for start, end in windows.around(text, postal, 24, 40):
        found += _postal_codes(text, cues, start, end)
    return found


def _medicare_ids(text: str, lowered: str, cues: Cues, labels: list[windows.Window]) -> list[Span]:
    """Medicare Beneficiary Identifiers within `_MBI_REACH` characters of a Medicare label
    ("Medicare number: 1EG4-TE5-MK73", "MBI 1EG4TE5MK73", "1EG4-TE5-MK73 is my Medicare ID")."""
    anchors = [a for a in labels if lowered.startswith(MBI_LABELS, a[0])]
    return [("ID_NUMBER", *m.span())
            for start, end in windows.around(text, anchors, _MBI_REACH, _MBI_REACH)
            for m in cues.mbi.finditer(text, start, end)]  # fmt: skip


def _zip_codes(text: str, cues: Cues, start: int, end: int) -> list[Span]:
    """`cues.zip_code.finditer(text, start, end)`: "City, ST 12345" in the window, found from
    each ", ST 12345" (the city is the capitalised word that ends at the comma, so it is found
    by walking back) instead of trying the pattern at every position (13 µs on a window full
    of code, ~1 µs this way). Two matches never overlap: each holds one comma."""
    found: list[Span] = []
    for tail in cues.zip_tail.finditer(text, start, end):
        city = tail.start() - 1
        while city > start and "a" <= text[city] <= "z":
            city -= 1
        m = cues.zip_code.match(text, city, end)
        if m and m.end() == tail.end():
            found.append(("ADDRESS", *m.span()))
    return found


def _postal_codes(text: str, cues: Cues, start: int, end: int) -> list[Span]:
    """The writer's own postal code (`_POSTAL_CODE`) in the window: ADDRESS. A code alone
    narrows a person to a few thousand neighbours (HIPAA's Safe Harbor removes all but its
    first three digits); "my" makes it the writer's, not a place asked about."""
    found: list[Span] = []
    for m in cues.postal_code.finditer(text, start, end):
        if sum(ch.isdigit() for ch in m.group(1)) >= 2 and len(m.group(1)) >= 3:
            found.append(("ADDRESS", *m.span(1)))
    return found
