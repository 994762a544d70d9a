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


# Written before the money rule, as a held-out check of it (docs/classifier.md, "A money term
# beside a full name"); the six it misses and the one look-alike it flags are listed there.
NAMED_MONEY_FACTS = (
    "Ms. Lindqvist filed for bankruptcy last year and wants to know if she can rent.",
    "Please note that Mr. Adeyemi's loan application was declined due to existing arrears.",
    "Collections queue: Priya Raman owes 4,870 on a personal loan, 90 days past due.",
    "Kenji Watanabe's salary was cut to 52,000 after the restructuring.",
    "Payroll correction for Aisha Bello: net pay should read 3,115.40, not 3,511.40.",
    "Foreclosure notice sent to Gareth Pryce for the property on his file.",
    "Note to file: Olivia Brandt has a student loan balance of 38,200 and no savings.",
    "Can you draft a letter to Samuel Okoro about his unpaid invoice and the overdraft fees?",
    "Customer Lars Eriksen asked why his account balance is negative after the refund.",
    "Dr. Helen Marsh earns about 240k a year and asked us about her pension options.",
    "Reminder: Fatima Zahra's child support payments are three months in arrears.",
    "Wage garnishment order received for Brian Kowalski, 15% of disposable income.",
    "Mrs. Ferreira defaulted on her car loan and the lender repossessed the vehicle.",
    "Hi, this is Grace Liu from accounts; Rafael Costa's payslip shows the wrong tax code.",
)
MONEY_LOOKALIKES = (
    "Janet takes out a loan of $5,000 at 4% interest. How much does she owe after 2 years?",
    "Tom's salary is $3,000 a month and he saves a third of it. How much does he save a year?",
    "Explain how mortgages work and what an amortization schedule is.",
    "Write a short story about a banker named Victor who hates debt.",
    "def loan_payment(principal, rate, years):\n"
    "    return principal * rate / (1 - (1 + rate) ** -years)",
    "Summarise the causes of the 2008 mortgage crisis for a high-school class.",
    "Warren Buffett says index funds beat most managers; is he right about fees?",
    "What is the difference between a secured loan and an unsecured loan?",
    "Adam Smith wrote about debt and public credit in The Wealth of Nations.",
    "Create a budget template with columns for salary, rent, debt payments and savings.",
    "John Maynard Keynes argued that government debt can stimulate demand in a recession.",
    "The Federal Reserve raised rates, and mortgage rates climbed above 7%.",
    "Mr. Smith buys 3 apples and 4 pears; if apples cost $2, what is his total?",
    "Compare student loan forgiveness plans under the last two administrations.",
    "Ray Dalio's book covers big debt crises; give me the key ideas.",
    "In the novel, Jay Gatsby's fortune comes from bootlegging rather than a salary.",
    "How do I calculate my debt-to-income ratio for a mortgage application?",
    "Taylor Swift's tour grossed over $1 billion; how does that compare with past tours?",
    "A bank offers a loan at 6% compounded monthly. What is the effective annual rate?",
)


@pytest.mark.parametrize("text", NAMED_MONEY_FACTS)
def test_the_shipped_classifier_keeps_named_money_facts_local(clf: Classifier, text: str) -> None:
    assert clf.score_text(text).sensitivity >= 0.5


@pytest.mark.parametrize("text", MONEY_LOOKALIKES)
def test_money_topics_and_word_problems_stay_routable(clf: Classifier, text: str) -> None:
    assert clf.score_text(text).sensitivity < 0.5
