"""Special categories of personal data, said of the writer or of someone close to them.

The GDPR singles out data about a person's sexual orientation, religion and racial or ethnic
origin (Article 9) and criminal convictions (Article 10); immigration status is as sensitive
in practice. A keyword says nothing about a person ("write an essay on prison reform"), so a
term counts only where the sentence says it of "I" or "my <relation>" within a few words:
"I'm gay", "my husband is undocumented", "I was arrested for DUI", "I have a criminal record".
Each such statement is one `SPECIAL_CATEGORY` span (the term), a soft entity that makes a
request sensitive alone (`sensitivity.SOFT_WEIGHTS`).

Cost: the terms are sought in the detectors' one C scan of keywords (`windows.anchor_groups`);
the pattern runs only in a window before each term found as a whole word, so a text without
any term pays only its share of that scan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from classifier import windows

KIND = "SPECIAL_CATEGORY"
Span = tuple[str, int, int]

_RELATIONS = (
    "son|daughter|husband|wife|partner|boyfriend|girlfriend|brother|sister|mom|mum|mother|dad"
    "|father|parents?|child|kid|friend|boss|colleague|coworker|cousin|uncle|aunt|grandmother"
    "|grandfather|grandma|grandpa|fianc[eé]e?|spouse|roommate|neighbou?r|client|patient|employee"
)
# who the sentence is about, and a verb that states something of them
_SUBJECT = (
    r"\b(?:i(?:'m|\u2019m| am| was| have been|'ve been|\u2019ve been| got| had been| identify as"
    r"| came out as)|(?:and i|we)(?:'re|\u2019re| are| were)"
    r"|my (?:" + _RELATIONS + r")(?:'s|\u2019s| is| are| was| were| has been| got"
    r"| identifies as| came out as))"
)
# the categories' terms, each a whole word or phrase after the subject (and up to four words)
_TERMS = (
    # sexual orientation and gender identity
    r"gay|lesbian|bisexual|transgender|trans|queer|pansexual|asexual|non-?binary|homosexual"
    r"|intersex"
    # criminal record
    r"|arrested|convicted|jailed|incarcerated|imprisoned|indicted|sentenced|charged with"
    r"|on probation|on parole|in prison|in jail|a (?:convicted )?felon|a sex offender"
    # immigration status
    r"|undocumented|deported|an illegal immigrant|an asylum seeker|a refugee|overstaying"
    # religion and belief
    r"|muslim|jewish|christian|catholic|hindu|sikh|buddhist|atheist|mormon|agnostic"
    # racial or ethnic origin
    r"|black|hispanic|latin[oa]|romani"
)
# statements that carry their own subject and term
_STATEMENTS = (
    r"\bi (?:have|had|'ve got) a (?:criminal record|felony|conviction|record)\b"
    r"|\bi (?:just |finally |recently )?came out\b"
)
# the words the C scan looks for: one per term or statement (a whole word in the text)
NEEDLES = (
    "gay", "lesbian", "bisexual", "transgender", "trans", "queer", "pansexual", "asexual",
    "nonbinary", "non-binary", "homosexual", "intersex", "arrested", "convicted", "jailed",
    "incarcerated", "imprisoned", "indicted", "sentenced", "charged", "probation", "parole",
    "prison", "jail", "felon", "felony", "offender", "undocumented", "deported", "immigrant",
    "asylum", "refugee", "overstaying", "muslim", "jewish", "christian", "catholic", "hindu",
    "sikh", "buddhist", "atheist", "mormon", "agnostic", "black", "hispanic", "latino",
    "latina", "romani", "record", "conviction", "came out",
)  # fmt: skip
_REACH = 72  # characters before a term where its subject may start (subject + four words)


@dataclass(frozen=True, slots=True)
class SpecialCues:
    """The compiled statement pattern (`build`): group `term` is the reported span."""

    pattern: re.Pattern[str]


def build() -> SpecialCues:
    """Compile the pattern (called once per `Detectors`, never at import)."""
    # the words between may not name another person ("I'm going to have you arrested") or make
    # the term a topic ("I am writing about gay rights", "I'm researching prison reform"); but
    # "about being" and "of being" make it the subject's own ("I'm worried about being
    # deported", "I'm scared of being arrested")
    others = r"you|him|her|them|it|someone|somebody|(?:about|of)(?!\s+being\b)|on|regarding"
    topics = r"|writing|reading|researching|studying|teaching|learning|working"
    between = r"(?:(?!(?:" + others + topics + r")\b)[\w'\u2019-]+\s+){0,4}?"
    stated = _SUBJECT + r"\s+" + between + r"(?P<term>(?:" + _TERMS + r"))\b"
    # "As a gay man, I ...", "As Muslims, we ...": the frame says it of the writer
    framed = r"\bas (?:an? )?(?P<framed>(?:" + _TERMS + r"))s?\b(?: [\w-]+)?,\s+(?:i|we)\b"
    # every match starts with "i", "and", "we", "my" or "as": a leading class lets `re` skip
    # in C to where one can start
    pattern = r"(?i)(?=[aimw])(?:" + stated + r"|" + framed + r"|(?P<whole>" + _STATEMENTS + r"))"
    return SpecialCues(re.compile(pattern))


# the nouns a frame may use in the plural ("As Muslims, we ..."); any other needle must end its
# word, so that "records" or "blacks" open no window
_PLURALS = frozenset(
    ("muslim", "christian", "catholic", "hindu", "sikh", "buddhist", "atheist", "mormon",
     "agnostic", "latino", "latina", "refugee", "immigrant")
)  # fmt: skip


def _whole_words(lowered: str, hits: list[windows.Window]) -> list[windows.Window]:
    """The hits (each at a word start) that end a word too (or, for `_PLURALS`, end one with a
    plural "s")."""

    def ends_a_word(e: int) -> bool:
        return e >= len(lowered) or not lowered[e].isalnum()

    return [(s, e) for s, e in hits
            if ends_a_word(e) or (lowered[e] == "s" and ends_a_word(e + 1)
                                  and lowered[s:e] in _PLURALS)]  # fmt: skip


def find_special(
    text: str, lowered: str, cues: SpecialCues, anchors: list[windows.Window]
) -> list[Span]:
    """Every special-category statement in `text` as (KIND, start, end) of its term (or of the
    whole statement, for "I have a criminal record"); `lowered` is the lower-cased ASCII view
    (`detectors.ascii_lower`); `anchors` are the `NEEDLES`' occurrences at word starts, from
    `detect`'s keyword scan."""
    hits = _whole_words(lowered, anchors)
    found: list[Span] = []
    for start, end in windows.around(text, hits, _REACH, 24):
        for m in cues.pattern.finditer(text, start, end):
            group = next(g for g in ("term", "framed", "whole") if m.group(g) is not None)
            found.append((KIND, *m.span(group)))
    return found
