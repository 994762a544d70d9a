"""`pii_spans.is_address`: a one-word ADDRESS stands only beside its other half;
`is_birth_date`: a DATE_OF_BIRTH must hold a year, a month or a day and month."""

from __future__ import annotations

import pytest

from classifier import Classifier
from classifier.pii_spans import ADDRESS_PART, DATE_PART, is_address, is_birth_date
from classifier.scores import Entity
from classifier.sensitivity import sensitivity_of


def _span(text: str, word: str) -> tuple[int, int]:
    start = text.index(word)
    return start, start + len(word)


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Ship it to 12 Oak Street today.", "12 Oak Street"),  # several words: stands
        ("We'll meet at 7156 Republica de Chile 7715, Blanquillo", "7156"),  # number, Word
        ("Obere Bahnhofstrasse 11, Benningen", "11"),  # Word, number
        ("Timothy had given Lara his address: 249 Ysitie 68", "Ysitie"),  # number, word, number
        ("at 87705 Mjövattnet 1, NYLAND", "1"),  # a comma after the number
    ],
)
def test_an_address_or_a_fragment_beside_its_other_half_stands(text: str, word: str) -> None:
    assert is_address(text, *_span(text, word))


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("Melanie's sculpture requires 200 toothpicks.", "200"),
        ("There are forty apples in one box. Uncle Franky ordered two boxes.", "Uncle"),
        ("During the day it rains.", "During"),
        ("1200", "1200"),  # nothing beside it
        ("It was 84°F at 10 P.M.", "84°F"),  # not a number: more than one non-digit
        ("We met in 2019 and again later.", "2019"),  # a number beside lower-case words
    ],
)
def test_a_lone_number_or_word_is_only_part_of_one(text: str, word: str) -> None:
    assert not is_address(text, *_span(text, word))


def test_the_tagger_reports_a_lone_fragment_as_address_part(clf: Classifier) -> None:
    text = "A plane travels 1200 miles in 3 hours. How long for 2000 more miles?"
    scores = clf.score_text(text)
    kinds = {e.type for e in scores.entities}
    assert ADDRESS_PART in kinds and "ADDRESS" not in kinds  # "1200": tagged, then demoted
    assert scores.sensitivity < 0.5


def test_a_fragment_weighs_less_than_the_default_threshold_even_with_a_name() -> None:
    part, name = Entity(ADDRESS_PART, 0, 4), Entity("PERSON", 5, 9)
    assert sensitivity_of([part]) == pytest.approx(0.2)
    assert sensitivity_of([part, name]) < 0.5
    assert sensitivity_of([Entity("ADDRESS", 0, 4), name]) >= 0.5


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("born 12/10/1998 in Oslo", "12/10/1998"),
        ("It's like that since 3/15/1974", "15"),  # a piece of a date: read with its run
        ("my birthday is March 3", "March 3"),
        ("born in 1985", "1985"),
        ("DOB 1985-04-12", "04"),
    ],
)
def test_a_birth_date_holds_a_year_a_month_or_a_day_and_month(text: str, word: str) -> None:
    assert is_birth_date(text, *_span(text, word))


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("    >>> fibfib(8)\n    24", "8"),
        ("order_by_points([1, 11, -1, -11, -12])", "11"),
        ("I was 12 then", "12"),
    ],
)
def test_a_lone_day_number_is_only_part_of_a_date(text: str, word: str) -> None:
    assert not is_birth_date(text, *_span(text, word))


def test_the_tagger_reports_a_lone_day_number_as_date_part(clf: Classifier) -> None:
    text = (
        'def fibfib(n: int):\n    """Compute the n-th element of the fibfib number sequence.\n'
        "    >>> fibfib(1)\n    0\n    >>> fibfib(5)\n    4\n    >>> fibfib(8)\n    24\n"
    )
    scores = clf.score_text(text)
    kinds = {e.type for e in scores.entities}
    assert DATE_PART in kinds and "DATE_OF_BIRTH" not in kinds  # "8": tagged, then demoted
    assert scores.sensitivity < 0.5
    assert sensitivity_of([Entity(DATE_PART, 0, 1), Entity("PERSON", 2, 6)]) < 0.5
