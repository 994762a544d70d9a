"""Health or money facts about a named person: a condition, a drug or a debt beside a full name.

A diagnosis or a prescription that names its person is health information about that person
(HIPAA's "protected health information" is exactly health data plus an identifier), and a
debt, a salary or a missed mortgage payment that names its person is financial information
about them (what GLBA and the GDPR protect). The PII student reads who such a fact is about
from pronouns ("I have", "my son takes", "I owe"); a clinic's, pharmacy's, bank's or
collector's note names its person instead, with no pronoun ("Refill request: metformin for
Leon Davies.", "Client Lars Eriksen has an overdraft of 2,340 EUR"), and reads to the student
like a topic. This rule closes that gap without the student: wherever the tagger found a PERSON
that reads as a full name, a term within `REACH` characters of it is reported as MEDICAL or
FINANCIAL (with the name, 0.65: sensitive).

A full name is the PERSON span grown over the title-case words one space either side of it,
holding two words or starting with an honorific ("Leon Davies", "Ms. Riddle"); a lone word
the tagger calls a name ("Cancer cells grown in culture", "Jay has ...", "Tom's salary") is
none, nor is a name holding a term ("Acute Myeloid Leukemia"). The health terms are common
conditions and drugs, in the case that gives them their medical sense: a common noun only in
lower case ("Great Depression" and a sentence-opening "Cancer" are not diagnoses), an acronym,
eponym or brand in its own case or in lower case ("HIV", "copd", "Crohn's", "Truvada"). Words
that are common outside medicine are left out ("stroke", "aids", "anxiety", "disorder",
"lithium" of batteries, "seizures" of drugs by the police) or count only in a pair ("heart
murmur", "eating disorder"). The money terms are debts, loans, pay and their troubles, in lower
case or capitalised (a record's "Salary: 52,000" is the register this rule is for); words with
other common senses count only in a pair ("credit score", "net worth", "child support": not
"score", "worth", "support"). Money words that are as often a topic (debt, loan, mortgage,
salary, pension, income) count only where a figure stands in the name's reach: "Client Ann Lee
has a debt of $12,400" is a record, "Adam Smith wrote about debt" is not. A money fact's span
runs to the sum it states ("debt of $12,400"), as the tagger's FINANCIAL spans mark sums.

Cost: nothing unless the tagger found a PERSON; then ~2 µs per name to see that no term stands
in reach, which is the common case.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from classifier import name_street

MEDICAL, FINANCIAL = "MEDICAL", "FINANCIAL"  # the kinds of fact
REACH = 60  # characters either side of a full name where a term counts
GROWTH = 40  # characters either side over which a PERSON span grows into a full name
Span = tuple[str, int, int]

# common nouns and generic drug names: lower case only
_NOUNS = (
    "asthma", "bipolar", "cancer", "celiac", "coeliac", "chemo", "chemotherapy", "chlamydia",
    "cirrhosis", "colitis", "concussion", "dementia", "depression", "depressive", "diabetes",
    "diabetic", "dialysis", "eczema", "emphysema", "endometriosis", "epilepsy", "epileptic",
    "fibrosis", "glaucoma", "gonorrhea", "hepatitis", "herpes", "hypertension", "hypothyroidism",
    "infertility", "insomnia", "insulin", "leukemia", "leukaemia", "lupus", "lymphoma", "melanoma",
    "migraines", "miscarriage", "osteoporosis", "pneumonia", "psoriasis", "radiotherapy",
    "schizophrenia", "schizophrenic", "sclerosis", "syphilis", "tuberculosis", "tumor",
    "tumour", "autism", "autistic", "anorexia", "bulimia", "alcoholism", "addiction", "overdose",
    "anemia", "anaemia", "arthritis", "arrhythmia", "angina", "alprazolam", "atorvastatin",
    "adalimumab", "buprenorphine", "citalopram", "clonazepam", "diazepam", "escitalopram",
    "fentanyl", "fluoxetine", "gabapentin", "hydrocodone", "lamotrigine", "levothyroxine",
    "lisinopril", "lorazepam", "metformin", "methadone", "methotrexate",
    "methylphenidate", "morphine", "oxycodone", "prednisone", "quetiapine", "risperidone",
    "aripiprazole", "semaglutide", "sertraline", "tramadol", "warfarin", "antidepressants",
    "antiretrovirals",
)  # fmt: skip
# acronyms, eponyms and brands: in their own case or in lower case
_PROPER = (
    "HIV", "COPD", "PTSD", "ADHD", "OCD", "HPV", "PCOS", "Crohn", "Parkinson", "Alzheimer",
    "Truvada", "Xanax", "Zoloft", "Prozac", "Lexapro", "Adderall", "Ritalin", "Suboxone",
    "Ozempic", "Wegovy", "Humira", "Seroquel", "Abilify", "Valium",
)  # fmt: skip
# two words whose second alone is too common to count ("disorder", "disease", "attack", "a
# murmur of approval")
_PAIRS = (
    ("eating", "disorder"), ("anxiety", "disorder"), ("panic", "disorder"),
    ("kidney", "disease"), ("heart", "disease"), ("liver", "disease"), ("heart", "attack"),
    ("panic", "attacks"), ("heart", "murmur"),
)  # fmt: skip
# money, in lower case or capitalised: a person's own money trouble or record
_MONEY = (
    "overdraft", "overdrawn", "arrears", "foreclosure", "repossessed", "garnishment",
    "defaulted", "owes", "bankruptcy", "bankrupt", "payslip", "paycheck", "paycheque", "alimony",
)  # fmt: skip
_MONEY_PAIRS = (
    ("credit", "score"), ("account", "balance"), ("bank", "balance"), ("net", "pay"),
    ("child", "support"), ("credit", "limit"),
)  # fmt: skip
# money words that are as often a topic ("Keynes on government debt"): a fact only with a
# figure in the name's reach ("Client Ann Lee has a debt of $12,000")
_MONEY_TOPICS = ("debt", "debts", "mortgage", "mortgages", "loan", "loans", "salary", "pension",
                 "income")  # fmt: skip
_MONEY_TOPIC_PAIRS = (("net", "worth"), ("tax", "return"))


@dataclass(frozen=True, slots=True)
class FactTerms:
    """The terms in every form that counts (`build`), each with the kind of fact it states,
    and the patterns that read names."""

    forms: Mapping[str, str]  # a word, its possessive "'s" removed, as written -> its kind
    pairs: Mapping[tuple[str, str], str]  # two words in lower case -> their kind
    topics: frozenset[str | tuple[str, str]]  # forms and pairs that count only beside a figure
    lowered: frozenset[str]  # every term in lower case: a name holding one is no name
    keys: frozenset[bytes]  # every term and pair's second word, lower-case ASCII (`_has_key`)
    word: re.Pattern[str]
    title_before: re.Pattern[str]  # a word and one space, ending where a name starts
    title_after: re.Pattern[str]  # one space and a word
    honorific: re.Pattern[str]
    figure: re.Pattern[str]  # after a money term: the sum it states, in the same clause


def build() -> FactTerms:
    """Compile the word lists and patterns (once per `Detectors`, never at import)."""
    health = {*_NOUNS, *_PROPER, *(term.lower() for term in _PROPER)}
    topics = {*_MONEY_TOPICS, *(term.capitalize() for term in _MONEY_TOPICS)}
    money = {*_MONEY, *(term.capitalize() for term in _MONEY), *topics}
    forms = dict.fromkeys(health, MEDICAL) | dict.fromkeys(money, FINANCIAL)
    pairs = dict.fromkeys(_PAIRS, MEDICAL)
    pairs |= dict.fromkeys((*_MONEY_PAIRS, *_MONEY_TOPIC_PAIRS), FINANCIAL)
    return FactTerms(
        forms=MappingProxyType(forms),  # read-only: `Detectors` is shared across threads
        pairs=MappingProxyType(pairs),
        topics=frozenset((*topics, *_MONEY_TOPIC_PAIRS)),
        lowered=frozenset(term.lower() for term in forms),
        keys=frozenset(w.lower().encode() for w in (*forms, *(b for _, b in pairs))),
        word=re.compile(r"(?<![\w'\u2019-])[A-Za-z][A-Za-z'\u2019-]*"),  # never a word's tail
        title_before=re.compile(r"(?<![\w.'\u2019-])[^\W\d_]{2}[\w'\u2019-]* $"),
        title_after=re.compile(r" [^\W\d_]{2}[\w'\u2019-]*"),
        honorific=re.compile(r"(?:" + "|".join(name_street.HONORIFICS) + r")\.?\s"),
        figure=re.compile(r"[^\d.;!?\n]{0,24}?\d(?:[\d,.]*\d)?"),
    )


# bytes -> the same letter in lower case, anything else a space: a text's words are then one
# `bytes.split` away (a `re.findall` of words cost 2-3x more)
_LETTERS = bytes(c + 32 if 65 <= c <= 90 else c if 97 <= c <= 122 else 32 for c in range(256))


def _has_key(text: str, terms: FactTerms) -> bool:
    """Whether `text` holds a term's word in any case (the cheap test before the exact one)."""
    words = text.encode("ascii", "replace").translate(_LETTERS).split()
    return not terms.keys.isdisjoint(words)


def _has_digit(text: str, start: int, end: int) -> bool:
    return any(text.find(digit, start, end) != -1 for digit in "0123456789")


def _stem(word: str) -> str:
    return word.removesuffix("'s").removesuffix("\u2019s")


def _is_title(word: str) -> bool:
    """A capital, then a lower-case letter, in any script ("Leon", "Åsa"; not "NASA" or "I")."""
    return word[0].isupper() and word[1].islower()


def full_name(text: str, start: int, end: int, terms: FactTerms) -> tuple[int, int] | None:
    """The PERSON span `start:end` grown over adjacent title-case words (up to `GROWTH`
    characters either side), when it reads as a full name (two words, or an honorific first,
    and no term); else None."""
    first, last = max(0, start - GROWTH), min(len(text), end + GROWTH)
    while (m := terms.title_before.search(text, first, start)) and _is_title(m.group()):
        start = m.start()
    while (m := terms.title_after.match(text, end, last)) and _is_title(m.group()[1:]):
        end = m.end()
    words = text[start:end].split()
    if len(words) < 2 and not terms.honorific.match(text, start):
        return None
    if any(_stem(w.strip(".,;:")).lower() in terms.lowered for w in words):
        return None
    return start, end


def _term(
    terms: FactTerms, previous: tuple[str, int], word: tuple[str, int], figured: bool
) -> tuple[int, str] | None:
    """(where it starts, its kind) when `word` (as written, and where it starts) ends a term
    that counts, after the `previous` word; a money topic counts only where a figure stands in
    reach (`figured`)."""
    pair = (previous[0].lower(), word[0].lower())
    if (kind := terms.pairs.get(pair)) is not None:
        return None if pair in terms.topics and not figured else (previous[1], kind)
    if (kind := terms.forms.get(word[0])) is None or (word[0] in terms.topics and not figured):
        return None
    return word[1], kind


def with_facts(text: str, spans: list[Span], terms: FactTerms) -> list[Span]:
    """`spans` (the detectors' and tagger's, overlaps resolved, in text order) with a MEDICAL or
    FINANCIAL span for each term within `REACH` of a full name among them, in text order. A term
    overlapping another span is left to it, except a one-word PERSON that is itself a term (the
    tagger takes a capitalised brand for a name: "Refill Humira for John Okafor"), which the
    fact's span replaces. A name with no term's word anywhere in reach (`_has_key`, ~2 µs)
    costs nothing more: most names in prompts stand far from any."""
    found: dict[int, tuple[int, str]] = {}  # start -> (end, kind)
    misnamed = {
        (s, e) for kind, s, e in spans if kind == "PERSON" and _stem(text[s:e]) in terms.forms
    }
    for kind, name_start, name_end in spans:
        if kind != "PERSON" or (name_start, name_end) in misnamed:
            continue
        lo = max(0, name_start - GROWTH - REACH)
        hi = min(len(text), name_end + GROWTH + REACH)
        if not _has_key(text[lo:hi], terms):
            continue
        name = full_name(text, name_start, name_end, terms)
        if name is None:
            continue
        start, end = name
        lo, hi = max(0, start - REACH), min(len(text), end + REACH)
        figured = _has_digit(text, lo, hi)
        previous, previous_start = "", 0
        for m in terms.word.finditer(text, lo, hi):
            word = _stem(m.group())
            term = _term(terms, (previous, previous_start), (word, m.start()), figured)
            previous, previous_start = word, m.start()
            if term is None or start <= m.start() < end:
                continue
            first, kind = term
            last = m.start() + len(word)
            # a money fact runs to the sum it states ("debt of $12,400"), where nothing else
            # was found in between; a sum the tagger already calls FINANCIAL says it already
            stated = terms.figure.match(text, last) if kind == FINANCIAL else None
            if stated and any(k == kind and s < stated.end() and e > last for k, s, e in spans):
                continue
            for stop in (last,) if stated is None else (stated.end(), last):
                if all(stop <= s or first >= e or (s, e) in misnamed for _, s, e in spans):
                    found[first] = (stop, kind)
                    break
    if not found:
        return spans
    kept = [
        (k, s, e)
        for k, s, e in spans
        if not ((s, e) in misnamed and any(f < e and s < g for f, (g, _) in found.items()))
    ]
    facts = [(kind, s, e) for s, (e, kind) in found.items()]
    return sorted(kept + facts, key=lambda x: (x[1], x[2]))
