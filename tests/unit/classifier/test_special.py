from __future__ import annotations

import pytest

from classifier import sensitivity, special, windows
from classifier.detectors import (
    Detectors,
    ascii_lower,
    detect,
    resolve_overlaps,
)
from classifier.scores import Entity


def found(text: str, detectors: Detectors) -> list[str]:
    lowered = ascii_lower(text)
    terms = windows.keyword_anchors(lowered, special.NEEDLES, word_start=True)
    return [text[s:e] for _, s, e in special.find_special(text, lowered, detectors.special, terms)]


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("I'm gay and haven't come out to my parents yet", "gay"),
        ("I\u2019m a 25 year old gay man looking for advice", "gay"),  # a typographic apostrophe
        ("I was arrested for DUI last year, will it show?", "arrested"),
        ("My husband is an undocumented immigrant, can he drive?", "undocumented"),
        ("My son is on probation and wants to travel", "on probation"),
        ("I got sentenced to 2 years", "sentenced"),
        ("I am Jewish and my boss books meetings on Yom Kippur", "Jewish"),
        ("my wife and I are Catholic", "Catholic"),
        ("We're Muslim and fast during Ramadan", "Muslim"),
        ("I have a criminal record, can I still become a nurse?", "I have a criminal record"),
        ("I finally came out to my family", "I finally came out"),
        ("As a gay man, I often feel left out", "gay"),  # a frame that says it of the writer
        ("As Muslims, we fast in Ramadan", "Muslim"),
        ("I'm worried about being deported", "deported"),  # "about being": the writer's own
        ("my son is scared of being arrested again", "arrested"),
    ],
)
def test_a_special_category_said_of_the_writer_or_someone_close(
    text: str, term: str, detectors: Detectors
) -> None:
    assert found(text, detectors) == [term]


@pytest.mark.parametrize(
    "text",
    [
        "Write an essay about prison reform",  # no subject
        "The movie came out last year",
        "I was charged $50 for shipping",  # "charged", not "charged with"
        "I'm writing a story about a gay character",  # a topic
        "I am writing about gay rights",
        "I'm writing about being gay in the 1950s",  # "about being" after a topic word
        "I'm worried about gay rights",
        "I'm going to have you arrested for trespass",  # said of someone else
        "My black cat is sick",  # the subject is a cat
        "Gay rights and the history of the Catholic church",
        "I translated the transcript",  # "trans" inside words
        "As a black box, it works",  # a frame that names no one
        "As a Catholic priest would say, the church forgives",
    ],
)
def test_a_term_as_a_topic_or_said_of_no_one_close_is_not(text: str, detectors: Detectors) -> None:
    assert found(text, detectors) == []


def test_a_special_category_makes_a_request_sensitive_alone_and_beats_a_person(
    detectors: Detectors,
) -> None:
    assert sensitivity.sensitivity_of([Entity(special.KIND, 4, 10)]) >= 0.5
    assert detect("I'm Muslim", detectors) == [(special.KIND, 4, 10)]
    # the tagger may call a capitalised "Muslim" a PERSON: the special category wins the overlap
    assert resolve_overlaps([("PERSON", 4, 10), (special.KIND, 4, 10)]) == [(special.KIND, 4, 10)]
