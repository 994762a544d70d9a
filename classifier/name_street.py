"""The rule-based name and street matcher, a recall backup for the PII tagger: a known given
name or a title before a capitalised surname is a PERSON ("Dr. Helena Shaw"), and a house
number before one to three capitalised words and a street type an ADDRESS ("221 Baker
Street"). `NameRule` holds its patterns and word lists; `build()` is called by
`context.build_cues`, so importing this module compiles nothing.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from classifier import native

Span = tuple[str, int, int]

# Common given names (US census and international frequency lists); a name followed by a
# capitalised surname is a PERSON far more often than a capitalised phrase in general.
_FIRST_NAMES_TEXT = (
    "James John Robert Michael William David Richard Joseph Thomas Charles Christopher Daniel "
    "Matthew Anthony Mark Donald Steven Paul Andrew Joshua Kenneth Kevin Brian George Timothy "
    "Ronald Edward Jason Jeffrey Ryan Jacob Gary Nicholas Eric Jonathan Stephen Larry Justin "
    "Scott Brandon Benjamin Samuel Gregory Alexander Frank Patrick Raymond Jack Dennis Jerry "
    "Tyler Aaron Jose Adam Nathan Henry Douglas Zachary Peter Kyle Noah Ethan Jeremy Walter "
    "Christian Keith Roger Terry Austin Sean Gerald Carl Harold Dylan Arthur Lawrence Jordan "
    "Jesse Bryan Billy Bruce Gabriel Joe Logan Alan Juan Albert Willie Elijah Wayne Randy Vincent "
    "Mary Patricia Jennifer Linda Elizabeth Barbara Susan Jessica Sarah Karen Lisa Nancy Betty "
    "Sandra Margaret Ashley Kimberly Emily Donna Michelle Carol Amanda Melissa Deborah Stephanie "
    "Dorothy Rebecca Sharon Laura Cynthia Amy Kathleen Angela Shirley Brenda Emma Anna Pamela "
    "Nicole Samantha Katherine Christine Helen Debra Rachel Carolyn Janet Maria Catherine Heather "
    "Diane Olivia Julie Joyce Victoria Ruth Virginia Lauren Kelly Christina Joan Evelyn Judith "
    "Andrea Hannah Megan Cheryl Jacqueline Martha Madison Teresa Gloria Sara Janice Ann Kathryn "
    "Abigail Sophia Frances Jean Alice Judy Isabella Julia Grace Amber Denise Danielle Marilyn "
    "Beverly Charlotte Natalie Theresa Diana Brittany Doris Kayla Alexis Lori Marie Jane Lily "
    "Ahmed Mohammed Ali Fatima Aisha Omar Hassan Priya Rahul Amit Anil Sunil Ravi Arun Deepak "
    "Raj Vikram Anjali Pooja Neha Wei Li Ming Hiroshi Yuki Kenji Sakura Carlos Luis Miguel Jorge "
    "Pedro Sofia Lucia Elena Ivan Dmitri Olga Hans Klaus Pierre Jean-Pierre Giulia Marco Luca"
)
_FIRST_NAMES_SET = frozenset(_FIRST_NAMES_TEXT.split())

HONORIFICS = (
    "Mr", "Mrs", "Ms", "Mx", "Miss", "Dr", "Prof", "Officer", "Sir", "Madam", "Mme", "Herr",
    "Frau", "Judge", "Detective",
)  # fmt: skip
STREET_TYPES = frozenset({
    "Street", "St", "Avenue", "Ave", "Road", "Rd", "Boulevard", "Blvd", "Lane", "Ln", "Drive",
    "Court", "Ct", "Way", "Place", "Pl", "Terrace", "Parkway", "Pkwy", "Highway", "Hwy",
    "Circle", "Square", "Sq", "Crescent", "Close",
})  # fmt: skip
_NOT_SURNAMES = frozenset(STREET_TYPES | {"University", "Hospital", "Inc", "Corp", "Bank"})


@dataclass(frozen=True, slots=True)
class NameRule:
    """The rule's patterns and words (immutable, shared safely across threads)."""

    capitalised: re.Pattern[str]
    house_number: re.Pattern[str]
    first_names: frozenset[str]
    gate_words: frozenset[str]  # first_names and street types: a text without any has no match


def build() -> NameRule:
    first_names = _FIRST_NAMES_SET | frozenset(HONORIFICS)
    return NameRule(
        capitalised=re.compile(r"[A-Z][a-z]+"),
        house_number=re.compile(r"\b\d{1,5}[A-Za-z]?\s+$"),
        first_names=first_names,
        gate_words=first_names | STREET_TYPES,
    )


def capitalised_words(text: str, rule: NameRule) -> tuple[list[tuple[int, int]], list[int]]:
    """The (start, end) of every capitalised word that does not follow a letter, and the
    indices of those that are a known given name, title or street type (`Cues.gate_words`)."""
    if native.kernels is not None:  # the same, one C pass (a str only per word, for the set)
        spans_b, hits_b = native.kernels.capitalised_words(text, rule.gate_words)
        if not hits_b:  # no name or street type: the words are not needed
            return [], []
        return native.span_pairs(spans_b), list(struct.unpack(f"{len(hits_b) // 8}q", hits_b))
    words = [m.span() for m in rule.capitalised.finditer(text)
             if m.start() == 0 or not text[m.start() - 1].isalpha()]  # fmt: skip
    return words, [i for i, (s, e) in enumerate(words) if text[s:e] in rule.gate_words]


def names_and_streets(text: str, rule: NameRule) -> list[Span]:
    """PERSON: a known first name or title, then a capitalised surname. ADDRESS: a house
    number, one to three capitalised words, and a street type. Only the words that are a
    name, a title or a street type are visited (most texts hold none)."""
    words, hits = capitalised_words(text, rule)
    found: list[Span] = []
    for i in hits:
        start, end = words[i]
        word = text[start:end]
        if word in STREET_TYPES and i > 0:
            first = i
            while (
                first > 0 and i - first < 3 and text[words[first - 1][1] : words[first][0]] == " "
            ):
                first -= 1
            before = text[max(0, words[first][0] - 8) : words[first][0]]
            number = rule.house_number.search(before)
            if first < i and number:
                found.append(("ADDRESS", words[first][0] - len(before) + number.start(), end))
        elif word in rule.first_names and i + 1 < len(words):
            nxt_start, nxt_end = words[i + 1]
            gap = text[end:nxt_start]
            if gap in {" ", ". ", "  "} and text[nxt_start:nxt_end] not in _NOT_SURNAMES:
                if word in HONORIFICS and i + 2 < len(words) and words[i + 2][0] == nxt_end + 1:
                    nxt_end = words[i + 2][1]  # "Dr. Helena Shaw": title, given name, surname
                found.append(("PERSON", start, nxt_end))
    return found
