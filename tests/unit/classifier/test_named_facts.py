"""A health or money term beside a full name (`classifier.named_facts`)."""

from __future__ import annotations

import pytest

from classifier import Classifier, named_facts

TERMS = named_facts.build()


def _found(text: str, name: str, others: tuple[tuple[str, str], ...] = ()) -> list[str]:
    """The facts found when the tagger's PERSON span is `name` (and `others` spans)."""
    spans = [("PERSON", text.index(name), text.index(name) + len(name))]
    spans += [(kind, text.index(value), text.index(value) + len(value)) for kind, value in others]
    spans.sort(key=lambda s: s[1])
    result = named_facts.with_facts(text, spans, TERMS)
    assert result == sorted(result, key=lambda s: (s[1], s[2]))
    return [text[s:e] for kind, s, e in result if (kind, s, e) not in spans]


@pytest.mark.parametrize(
    ("text", "name", "terms"),
    [
        ("Refill request: metformin for Leon Davies.", "Davies", ["metformin"]),  # grown
        ("Refill request: prednisone for Åsa Laine.", "Laine", ["prednisone"]),  # any script
        ("Shift handover: Joe Boudreaux has COPD and takes Humira", "Joe", ["COPD", "Humira"]),
        ("note: maria lopez has copd", "maria lopez", ["copd"]),  # acronyms in lower case too
        ("Ann Lee's Crohn's flared", "Ann Lee", ["Crohn"]),  # an eponym's possessive
        ("Maria Lopez has an eating disorder.", "Maria Lopez", ["eating disorder"]),  # a pair
        ("Leon Davies has a heart murmur", "Leon Davies", ["heart murmur"]),
        ("Ms. Riddle works with a student with autism", "Ms. Riddle", ["autism"]),  # honorific
        ("Dirk Sommer here. I need my appointment for PTSD moved.", "Dirk Sommer", ["PTSD"]),
    ],
)
def test_a_health_term_beside_a_full_name_is_medical(
    text: str, name: str, terms: list[str]
) -> None:
    assert _found(text, name) == terms


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Jay has schizophrenia", "Jay"),  # one word, no honorific: no full name
        ("Cancer cells grown in culture divide", "Cancer"),
        ("Acute Myeloid Leukemia is a cancer", "Acute Myeloid"),  # a name holding a term
        ("Herbert Hoover and the Great Depression", "Herbert Hoover"),  # a common noun's case
        (
            "Leon Davies wrote a long, careful history of the farms of his region, then metformin",
            "Leon Davies",
        ),  # beyond REACH
        ("NASA Ames studies insulin", "Ames"),  # "NASA" is no title-case word
        ("Leon Davies had a stroke of luck", "Leon Davies"),  # too common to count
        ("Elon Musk buys lithium for batteries", "Elon Musk"),
        ("Leon Davies heard a murmur of approval", "Leon Davies"),  # "heart murmur" counts
    ],
)
def test_no_term_counts_without_a_full_name_in_reach(text: str, name: str) -> None:
    assert _found(text, name) == []


def test_a_term_already_tagged_is_not_reported_twice() -> None:
    text = "Leon Davies takes metformin and insulin"
    assert _found(text, "Leon Davies", (("MEDICAL", "metformin"),)) == ["insulin"]


def test_a_brand_the_tagger_took_for_a_name_is_medical_beside_a_full_name() -> None:
    text = "Refill Humira for John Okafor."
    spans = [("PERSON", 7, 13), ("PERSON", 18, 29)]
    assert named_facts.with_facts(text, spans, TERMS) == [("MEDICAL", 7, 13), ("PERSON", 18, 29)]
    alone = [("PERSON", 7, 13)]  # with no full name in reach it stays what the tagger said
    assert named_facts.with_facts(text, alone, TERMS) == alone


def test_reach_is_counted_from_the_grown_name_and_takes_whole_words() -> None:
    gap = "x " * (
        (named_facts.REACH - len("insulin ")) // 2
    )  # "insulin" starts REACH before "Leon"
    assert _found(f"insulin {gap}Leon Davies", "Davies") == ["insulin"]
    assert _found(f"insulin {gap}x Leon Davies", "Davies") == []
    # not the tail "insulin" of a word that starts before the reach
    assert _found(f"noninsulin {gap}Leon Davies took insulin", "Davies") == ["insulin"]


def test_the_shipped_classifier_keeps_a_named_prescription_local(clf: Classifier) -> None:
    """The student alone calls this a name and a topic (0.30); the name makes it a record."""
    scores = clf.score_text("Refill request: metformin for Leon Davies.")
    assert {e.type for e in scores.entities} >= {"PERSON", "MEDICAL"}
    assert scores.sensitivity >= 0.5
    assert clf.score_text("Refill request: what is metformin used for?").sensitivity < 0.5


@pytest.mark.parametrize(
    ("text", "name", "facts"),
    [
        # a money trouble or record counts alone, as written or capitalised
        ("Ms. Lindqvist filed for bankruptcy last year", "Ms. Lindqvist", ["bankruptcy"]),
        ("Foreclosure notice sent to Gareth Pryce", "Gareth Pryce", ["Foreclosure"]),
        ("Reminder: Fatima Zahra's child support is late", "Fatima Zahra", ["child support"]),
        # a topic word counts beside a figure, and the fact runs to the sum it states
        ("Client Ann Lee has a credit card debt of $12,400.", "Ann Lee", ["debt of $12,400"]),
        (
            "Kenji Watanabe's salary was cut to 52,000 after",
            "Kenji Watanabe",
            ["salary was cut to 52,000"],
        ),
        ("Mr. Tan paid off the loan; 3 cars remain", "Mr. Tan", ["loan"]),  # not past the clause
        ("Jonas Becker: Mortgage: 310,000", "Jonas Becker", ["Mortgage: 310,000"]),
    ],
)
def test_a_money_term_beside_a_full_name_is_financial(
    text: str, name: str, facts: list[str]
) -> None:
    assert _found(text, name) == facts
    spans = [("PERSON", text.index(name), text.index(name) + len(name))]
    assert {k for k, _, _ in named_facts.with_facts(text, spans, TERMS)} == {"PERSON", "FINANCIAL"}


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Adam Smith wrote about debt and public credit", "Adam Smith"),  # a topic, no figure
        ("John Maynard Keynes argued that government debt can stimulate demand", "John Maynard"),
        ("Tom's salary is $3,000 a month", "Tom"),  # a word problem's first name: no full name
        ("Leon Davies got a good score on the credit module", "Leon Davies"),  # not the pair
        ("Leon Davies has 3 kids and supports the local team", "Leon Davies"),
    ],
)
def test_a_money_topic_without_a_figure_or_full_name_is_no_fact(text: str, name: str) -> None:
    assert _found(text, name) == []


def test_a_sum_the_tagger_already_called_financial_is_not_reported_again() -> None:
    text = "Client Ann Lee has a credit card debt of $12,400."
    assert _found(text, "Ann Lee", (("FINANCIAL", "$12,400"),)) == []


def test_the_shipped_classifier_keeps_a_named_debt_local(clf: Classifier) -> None:
    """The student alone calls this a name (0.30); the debt beside it makes it a record."""
    scores = clf.score_text("Collections: Priya Raman owes 4,870 on a personal loan.")
    assert {e.type for e in scores.entities} >= {"PERSON", "FINANCIAL"}
    assert scores.sensitivity >= 0.5
    assert clf.score_text("Explain how a personal loan differs from a mortgage.").sensitivity < 0.5
