"""The PII training data: composed templates and their validation split."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from classifier import pii_data, pii_templates

_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
_PERSONAL = {"personal_sum", "personal_amount", "health_condition", "medication"}
# presidio-evaluator's import and faker warn in this environment (pandas 3 deprecations, a yaml
# file it leaves open); neither is ours.
_THIRD_PARTY = pytest.mark.filterwarnings(
    "ignore:The inplace keyword in DataFrame.rename is deprecated",
    "ignore::ResourceWarning",
    "ignore::pytest.PytestUnraisableExceptionWarning",
)


def test_composed_groups_fill_every_slot_and_keep_topics_free_of_personal_values() -> None:
    groups = pii_data.composed_groups()
    n_personal = len(pii_templates.MONEY_CLAUSES) + len(pii_templates.HEALTH_CLAUSES)
    assert len(groups) == n_personal + len(pii_templates.TOPIC_MONEY) + len(
        pii_templates.TOPIC_HEALTH
    )
    for index, group in enumerate(groups):
        assert len(group) == pii_data.COMPOSE_LEADS == len(set(group))
        for template in group:
            assert not re.search(r"\{[A-Z]\}|\{\}", template), template
            names = set(_PLACEHOLDER.findall(template))
            assert names <= set(pii_data.TYPE_MAPPING), template
            assert bool(names & _PERSONAL) == (index < n_personal), template


def test_chat_templates_use_known_placeholders() -> None:
    for template in pii_templates.CHAT_TEMPLATES:
        assert set(_PLACEHOLDER.findall(template)) <= set(pii_data.TYPE_MAPPING), template


@_THIRD_PARTY
def test_a_composed_clause_is_held_out_as_a_whole() -> None:
    pytest.importorskip("presidio_evaluator")
    fit, val = set(pii_data.split_templates("fit")[1]), set(pii_data.split_templates("val")[1])
    assert not fit & val
    for group in pii_data.composed_groups():
        assert set(group) <= fit or set(group) <= val
    assert not set(pii_data.split_templates("test")[1]) & (fit | val)


@_THIRD_PARTY
def test_generation_does_not_depend_on_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """Faker's dates are made "between 1970 and now" and "an age as of today": with its clock
    moved by a day, the same seed must still give the same sentences."""
    pytest.importorskip("presidio_evaluator")
    import faker.providers.date_time as faker_dates

    now = [dt.datetime(2026, 12, 7, 8, 10)]

    class Clock(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> Clock:
            return cls.fromtimestamp(now[0].timestamp(), tz)

    class Calendar(dt.date):
        @classmethod
        def today(cls) -> Calendar:
            return cls.fromordinal(now[0].toordinal())

    monkeypatch.setattr(faker_dates, "datetime", Clock)
    monkeypatch.setattr(faker_dates, "dtdate", Calendar)
    first = pii_data.generate("train", 3000, seed=3)
    now[0] = dt.datetime(2027, 3, 9, 23, 59)
    assert first == pii_data.generate("train", 3000, seed=3)
    texts = " ".join(s.text for s in first)
    assert re.search(r"\d\d:\d\d:\d\d\.\d{6}", texts)  # date_time values
    assert re.search(r"(Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day", texts)  # day_of_week
    assert any(kind == "DATE_OF_BIRTH" for s in first for kind, _, _ in s.spans)
