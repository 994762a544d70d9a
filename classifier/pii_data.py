"""Span-labelled PII text for training and testing the learned sensitivity student.

Generated offline with presidio-evaluator's `PresidioSentenceFaker` (imported lazily: training
and evaluation only, never serving). Two disjoint template sets keep the test honest: the
training split uses the even-numbered Presidio templates plus our training templates, the test
split the odd-numbered Presidio templates plus `TEST_TEMPLATES` (all in `pii_templates`), each
with its own seed. Choices are made on a third split held out by template: `fit` trains on all
training templates but every `VAL_EVERY`-th (of the composed ones: every `VAL_EVERY`-th clause
with all its leads), `val` generates sentences of those (seed `VAL_SEED`), and `train` is both.
Our own templates add what Presidio's lack: dates of birth, health and money facts about a
person, and prompts with no personal data that look like ordinary requests to a chat model.
Nothing is written to disk: a few thousand sentences take seconds to generate. All-`O` texts
(real prompts and look-alikes of personal data) come from `pii_negatives`.

Labelling rule (document level): a text is sensitive when it holds any span of a type in
`SENSITIVE_TYPES`. A name alone is not (word problems and questions about famous people are
full of names), the same rule as `sensitivity.SOFT_WEIGHTS`; a name with any other fact is.
Health or money *topics* ("symptoms of asthma", "revenue of $3m") use
placeholders of non-sensitive types, so the student has to learn the personal context.
"""

from __future__ import annotations

import contextlib
import random
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from classifier import pii_templates as tpl
from classifier.pii_templates import CHAT_TEMPLATES, TEST_TEMPLATES, TRAIN_TEMPLATES

SPLITS = ("train", "fit", "val", "test")
VAL_EVERY = 5  # every 5th training template (Presidio's and ours) is a validation template
VAL_SEED = 2024  # validation sentences: a seed of their own, never the test seed
_CLOCK_END = 1_767_225_600.0  # 2026-01-01 in Unix seconds: `date_time`'s fixed "now"
COMPOSE_LEADS = 3  # templates per composed clause, each with another lead
_SLOTS = {
    "{P}": "{{personal_sum}}", "{H}": "{{health_condition}}", "{M}": "{{medication}}",
    "{Q}": "{{public_sum}}", "{T}": "{{topic_condition}}", "{D}": "{{topic_medication}}",
}  # fmt: skip
SENSITIVE_TYPES = frozenset(
    {"ADDRESS", "DATE_OF_BIRTH", "MEDICAL", "FINANCIAL", "EMAIL", "PHONE_NUMBER",
     "CREDIT_CARD", "IBAN", "US_SSN", "IP_ADDRESS", "ID_NUMBER"}
)  # fmt: skip
# Faker provider name -> our entity type; anything unlisted is kept but not sensitive.
TYPE_MAPPING = {
    "person": "PERSON", "name": "PERSON", "name_female": "PERSON", "name_male": "PERSON",
    "first_name": "PERSON", "first_name_male": "PERSON", "first_name_female": "PERSON",
    "first_name_nonbinary": "PERSON", "last_name": "PERSON", "last_name_male": "PERSON",
    "last_name_female": "PERSON", "address": "ADDRESS", "street_address": "ADDRESS",
    "street_name": "ADDRESS", "building_number": "ADDRESS", "secondary_address": "ADDRESS",
    "postcode": "ADDRESS", "zipcode": "ADDRESS", "date_of_birth": "DATE_OF_BIRTH",
    "birthday": "DATE_OF_BIRTH", "credit_card_number": "CREDIT_CARD", "credit_card": "CREDIT_CARD",
    "iban": "IBAN", "phone_number": "PHONE_NUMBER", "ssn": "US_SSN", "email": "EMAIL",
    "ip_address": "IP_ADDRESS", "us_driver_license": "ID_NUMBER", "health_condition": "MEDICAL",
    "medication": "MEDICAL", "personal_amount": "FINANCIAL", "topic_condition": "TOPIC",
    "public_amount": "MONEY", "organization": "ORGANIZATION", "city": "GPE", "country": "GPE",
    "state": "GPE", "state_abbr": "GPE", "url": "DOMAIN_NAME", "date_time": "DATE_TIME",
    "day_of_week": "DATE_TIME", "year": "DATE_TIME", "prefix": "TITLE", "prefix_male": "TITLE",
    "prefix_female": "TITLE", "job": "TITLE", "nationality": "NRP", "nation_woman": "NRP",
    "nation_man": "NRP", "nation_plural": "NRP", "age": "AGE", "religion": "NRP",
    "personal_sum": "FINANCIAL", "public_sum": "MONEY", "topic_medication": "DRUG",
}  # fmt: skip


def _extra_provider() -> Any:
    from faker.providers import BaseProvider

    class ContextProvider(BaseProvider):
        def health_condition(self) -> str:
            return str(self.random_element(tpl.CONDITIONS))

        topic_condition = health_condition

        def medication(self) -> str:
            return str(self.random_element(tpl.MEDICATIONS))

        def personal_amount(self) -> str:
            amount = self.random_int(300, 250_000)
            return str(self.random_element([f"${amount:,}", f"{amount} dollars", f"€{amount}"]))

        public_amount = personal_amount
        topic_medication = medication

        def personal_sum(self) -> str:
            amount = self.random_int(40, 400_000)
            pattern = str(self.random_element(tpl.AMOUNT_FORMATS))
            return pattern.format(n=amount, k=max(1, amount // 1000), c=amount % 100)

        public_sum = personal_sum

        # Faker reads the clock in every date it makes ("between 1970 and now", "an age as of
        # today"), and its own `date`, `day_of_week` and `year` call its own `date_time`, not
        # this one: a retrain a day (or, for a weekday near midnight, an hour) later drew other
        # sentences. Every date a template can ask for is made here against `_CLOCK_END`, with
        # the same random draws as Faker's, so a seed gives the same text on any day.
        def date_time(self, tzinfo: Any = None, end_datetime: Any = None) -> datetime:
            """Faker's `date_time` (one uniform draw from 1970) up to a fixed end."""
            seconds = self.generator.random.uniform(0, _CLOCK_END)
            return datetime(1970, 1, 1, tzinfo=tzinfo) + timedelta(seconds=seconds)

        def date(self, pattern: str = "%Y-%m-%d", end_datetime: Any = None) -> str:
            return self.date_time().strftime(pattern)

        def day_of_week(self) -> str:
            return self.date("%A")

        def year(self) -> str:
            return self.date("%Y")

        def date_of_birth(self, tzinfo: Any = None, minimum_age: int = 0,
                          maximum_age: int = 115) -> Any:  # fmt: skip
            """Faker's `date_of_birth` with "today" fixed at `_CLOCK_END`."""
            from faker.providers.date_time import change_year

            today = datetime.fromtimestamp(_CLOCK_END, UTC).date()
            first = change_year(today, -(maximum_age + 1))
            last = change_year(today, -minimum_age)
            born = self.generator.date_time_ad(
                tzinfo=tzinfo, start_datetime=first, end_datetime=last
            ).date()
            return born if born != first else born + timedelta(days=1)

    return ContextProvider


@dataclass(frozen=True, slots=True)
class Sample:
    """One generated text and its labelled spans (type, start, end)."""

    text: str
    spans: tuple[tuple[str, int, int], ...]

    @property
    def sensitive(self) -> bool:
        """True when any span has a sensitive type."""
        return any(kind in SENSITIVE_TYPES for kind, _, _ in self.spans)


def _presidio_templates() -> list[str]:
    from presidio_evaluator.data_generator.presidio_sentence_faker import (
        presidio_templates_file_path,
    )

    lines = presidio_templates_file_path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and "hospital" not in line]


def composed_groups() -> list[list[str]]:
    """The composed templates, one group per clause of `pii_templates` (personal money and
    health facts, money and health topics), each clause wrapped in `COMPOSE_LEADS` leads
    chosen by a fixed seed; a group is held out for validation as a whole."""
    groups: list[list[str]] = []
    kinds = ((tpl.MONEY_CLAUSES, tpl.PERSONAL_LEADS), (tpl.HEALTH_CLAUSES, tpl.PERSONAL_LEADS),
             (tpl.TOPIC_MONEY, tpl.TOPIC_LEADS), (tpl.TOPIC_HEALTH, tpl.TOPIC_LEADS))  # fmt: skip
    for clauses, leads in kinds:
        for index, clause in enumerate(clauses):
            rng = random.Random(len(groups) * 7919 + index)
            group = []
            for lead in rng.sample(leads, COMPOSE_LEADS):
                text, before = clause, lead.split("{}")[0]
                if not before or before.endswith((". ", "\n")):
                    text = text[0].upper() + text[1:]
                for slot, placeholder in _SLOTS.items():
                    text = text.replace(slot, placeholder)
                group.append(lead.replace("{}", text, 1))
            groups.append(group)
    return groups


def split_templates(split: str) -> tuple[list[str], list[str]]:
    """(Presidio templates, our templates) of a split. `train` is every training template;
    `fit` and `val` divide them by template, every `VAL_EVERY`-th of each list held out for
    validation, so choices made on `val` never see a test template or a validation template
    in training; `test` is the odd Presidio templates plus `TEST_TEMPLATES`."""
    presidio = _presidio_templates()
    if split == "test":
        return presidio[1::2], list(TEST_TEMPLATES)
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; expected one of {SPLITS}")
    train, ours, groups = presidio[0::2], [*TRAIN_TEMPLATES, *CHAT_TEMPLATES], composed_groups()
    if split == "train":
        return train, ours + [t for group in groups for t in group]
    held = split == "val"

    def pick(templates: list[Any]) -> list[Any]:
        return [t for i, t in enumerate(templates) if (i % VAL_EVERY == VAL_EVERY - 1) == held]

    return pick(train), pick(ours) + [t for group in pick(groups) for t in group]


def generate(split: str, n: int, seed: int) -> list[Sample]:
    """`n` samples of a split (`SPLITS`; disjoint templates), reproducible by seed."""
    from presidio_evaluator.data_generator import PresidioSentenceFaker
    from presidio_evaluator.data_generator.presidio_sentence_faker import (
        presidio_additional_entity_providers as providers,
    )

    templates, ours = split_templates(split)
    if len(ours) > len(templates) > 0:  # about half ours, either way
        templates = templates * (len(ours) // len(templates)) + ours
    else:
        templates += ours * max(1, len(templates) // len(ours))
    keep = [p for p in providers if getattr(p, "__name__", "") != "HospitalProvider"]
    # The faker draws its person records' middle initials from the global `random` before it
    # seeds itself: seed first, or the same seed gives different texts in different processes.
    random.seed(seed)
    # it prints "Using default provider aliases" to stdout, which `pii_eval` keeps for its JSON
    with contextlib.redirect_stdout(sys.stderr):
        faker = PresidioSentenceFaker(
            "en_US", lower_case_ratio=0.05, sentence_templates=templates,
            entity_providers=[*keep, _extra_provider()], entity_type_mapping=TYPE_MAPPING,
            random_seed=seed,
        )  # fmt: skip
    random.seed(seed)
    samples = []
    for sample in faker.generate_new_fake_sentences(n):
        spans = tuple(
            (s.entity_type, s.start_position, s.end_position)
            for s in sample.spans
            if s.entity_type != "O"
        )
        samples.append(Sample(sample.full_text, spans))
    return samples
