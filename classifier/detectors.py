"""Structured-data detectors: regex candidates, then validation, then one span per piece of text.

Two stages keep precision high without giving up recall: a permissive regex proposes candidates
(any 13-19 digits with spaces or dashes may be a card) and a validator from `validators` decides
(Luhn). The numeric identifiers live in `numeric`, secrets in `secret_scan`, soft cues in
`context` and `special`; `detect` runs them all. Overlaps are resolved by priority, so a card
number is not also reported as a phone number and the password inside
`https://user:pass@host` is not also an e-mail address.

`Detectors` holds the compiled patterns; `build_detectors()` is called by `Classifier.load`, so
importing this module compiles nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from classifier import (
    context,
    credentials,
    named_facts,
    national_ids,
    numeric,
    secret_scan,
    special,
    validators,
    windows,
)

# Lower number wins when two spans overlap: secrets and checksummed data first (an IBAN's
# mod-97 check is stronger evidence than the Luhn check of a card-length run inside it).
PRIORITY = {
    "SECRET": 0, "IBAN": 1, "CREDIT_CARD": 2, "US_SSN": 3, "US_ITIN": 3, "NATIONAL_ID": 3,
    "EMAIL": 4,
    "IP_ADDRESS": 5, "PHONE_NUMBER": 6, "ID_NUMBER": 7, "DATE_OF_BIRTH": 8, "ADDRESS": 9,
    "PERSON": 10, "MEDICAL": 11, "FINANCIAL": 12, "ADDRESS_PART": 13, "DATE_PART": 13,
    "SPECIAL_CATEGORY": 9,  # beats a PERSON the tagger makes of a capitalised "Muslim"
}  # fmt: skip

Span = tuple[str, int, int]


@dataclass(frozen=True, slots=True)
class Detectors:
    """Compiled patterns for every detector (immutable, shared safely across threads)."""

    email: re.Pattern[str]
    numbers: numeric.NumberPatterns  # cards, SSNs, IBANs, phones, IP addresses
    national: national_ids.NationalIds  # other countries' identity numbers
    secrets: secret_scan.SecretIndex
    cues: context.Cues
    special: special.SpecialCues
    facts: named_facts.FactTerms  # read after tagging, beside the tagger's PERSONs (`spans_of`)
    # (needles, at word starts only) of the secret keywords, ID labels, name intros and
    # special-category terms: `detect` seeks all four in two scans (`windows.anchor_groups`)
    keywords: windows.KeywordPlan


def build_detectors() -> Detectors:
    """Compile all patterns once (a few milliseconds)."""
    return Detectors(
        email=re.compile(r"(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}@"
                         r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}\b"),
        numbers=numeric.build(),
        national=national_ids.build(),
        secrets=(secrets := secret_scan.build_index(credentials.build_rules())),
        cues=(cues := context.build_cues()),
        special=special.build(),
        facts=named_facts.build(),
        keywords=windows.plan_keywords(((secrets.keywords, False), (cues.id_literals, True),
                                        (context.INTRO_WORDS, True), (special.NEEDLES, True))),
    )  # fmt: skip


_LOCAL_PART = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")


def ascii_lower(text: str) -> str:
    """An ASCII view of `text` for keyword scans (`windows.ascii_view`), A-Z lower-cased
    (`str.lower` may change the length of non-ASCII text; this keeps offsets aligned)."""
    return windows.ascii_view(text).lower()


def _emails(text: str, d: Detectors) -> list[Span]:
    found: list[Span] = []
    at = text.find("@")
    while at != -1:
        # Walk back over the local part (at most 64 characters), then match once from there.
        start = at
        while start > 0 and at - start < 64 and text[start - 1] in _LOCAL_PART:
            start -= 1
        m = d.email.match(text, start) if start < at else None
        if m and validators.is_personal_email(m.group()):
            found.append(("EMAIL", *m.span()))
        at = text.find("@", m.end() if m else at + 1)
    return found


def resolve_overlaps(spans: list[Span]) -> list[Span]:
    """Keep the highest-priority span wherever spans overlap; return them in text order."""
    kept: list[Span] = []
    for span in sorted(spans, key=lambda s: (PRIORITY.get(s[0], 99), s[1], -s[2])):
        if all(span[2] <= k[1] or span[1] >= k[2] for k in kept):
            kept.append(span)
    return sorted(kept, key=lambda s: (s[1], s[2]))


def detect(text: str, detectors: Detectors) -> list[Span]:
    """All entities in `text` as (type, start, end), non-overlapping, in text order."""
    if not text:
        return []
    view = windows.ascii_view(text)
    lowered = view.lower()  # `ascii_lower(text)`
    runs = numeric.number_runs(text, detectors.numbers)
    numbers = numeric.number_windows(text, runs)
    keywords, labels, intros, terms = windows.anchor_groups(lowered, detectors.keywords)
    secrets = secret_scan.find_secrets(text, view, lowered, detectors.secrets, keywords=keywords)
    spans = [("SECRET", s, e) for s, e in secrets]
    spans += numeric.find(text, lowered, detectors.numbers, runs, numbers)
    spans += national_ids.find(text, detectors.national, runs)
    spans += _emails(text, detectors)
    spans += context.find_cues(text, lowered, detectors.cues, numbers, labels, intros)
    spans += special.find_special(text, lowered, detectors.special, terms)
    return resolve_overlaps(spans)
