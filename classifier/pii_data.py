"""Span-labelled PII text for training and testing the learned sensitivity student.

Generated offline with presidio-evaluator's `PresidioSentenceFaker` (imported lazily: training
and evaluation only, never serving). Two disjoint template sets keep the test honest: the
training split uses the even-numbered Presidio templates plus `TRAIN_TEMPLATES`, the test split
the odd-numbered Presidio templates plus `TEST_TEMPLATES`, each with its own seed. Choices are
made on a third split held out by template: `fit` trains on all training templates but every
`VAL_EVERY`-th, `val` generates sentences of those (seed `VAL_SEED`), and `train` is both. Our own
templates add what Presidio's lack: dates of birth, health and money facts about a person, and
prompts with no personal data that look like ordinary requests to a chat model. Nothing is
written to disk: a few thousand sentences take seconds to generate.

Labelling rule (document level): a text is sensitive when it holds any span of a type in
`SENSITIVE_TYPES`. A name alone is not (word problems and questions about famous people are
full of names), the same rule as `sensitivity.SOFT_WEIGHTS`; a name with any other fact is.
Health or money *topics* ("symptoms of asthma", "revenue of $3m") use
placeholders of non-sensitive types, so the student has to learn the personal context.
"""

from __future__ import annotations

import csv
import json
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SPLITS = ("train", "fit", "val", "test")
VAL_EVERY = 5  # every 5th training template (Presidio's and ours) is a validation template
VAL_SEED = 2024  # validation sentences: a seed of their own, never the test seed
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
}  # fmt: skip

_CONDITIONS = (
    "type 2 diabetes", "asthma", "major depressive disorder", "HIV", "hepatitis C", "epilepsy",
    "breast cancer", "bipolar disorder", "multiple sclerosis", "an eating disorder", "COPD",
    "Crohn's disease", "schizophrenia", "PTSD", "a heart murmur", "chronic kidney disease",
    "generalized anxiety disorder", "celiac disease", "lupus", "early-onset dementia",
)  # fmt: skip
_MEDICATIONS = (
    "metformin", "sertraline 50 mg", "insulin glargine", "lithium", "adalimumab", "warfarin",
    "methotrexate", "fluoxetine", "prednisone", "atorvastatin", "levothyroxine", "Truvada",
)  # fmt: skip

TRAIN_TEMPLATES = (
    "My name is {{name}} and I was born on {{date_of_birth}}.",
    "Patient {{name}}, DOB {{date_of_birth}}, was diagnosed with {{health_condition}}.",
    "I have {{health_condition}} and take {{medication}} every morning. Is it safe to drink?",
    "{{first_name}} told me she is on {{medication}} for {{health_condition}}.",
    "Please update the shipping address to {{address}}.",
    "Ship it to {{building_number}} {{street_name}}, {{city}}, {{state_abbr}} {{zipcode}}.",
    "My salary is {{personal_amount}} a year and I still owe {{personal_amount}} on my loan.",
    "Hi, I'm {{first_name}} {{last_name}}; my mortgage balance is {{personal_amount}}.",
    "Can you draft a letter to {{prefix}} {{last_name}} about my overdue rent?",
    "{{name}} lives at {{address}} with her two kids.",
    "Birthday: {{date_of_birth}}\nName: {{name}}\nPhone: {{phone_number}}",
    "Email {{email}} and ask {{first_name}} to call {{phone_number}}.",
    "My SSN is {{ssn}} and the card on file is {{credit_card_number}}.",
    "Transfer it to IBAN {{iban}} in the name of {{name}}.",
    "What are the early symptoms of {{topic_condition}}?",
    "Summarise recent research on treating {{topic_condition}} in adults.",
    "The company reported revenue of {{public_amount}} in {{year}}.",
    "{{organization}} raised {{public_amount}} from investors in {{city}}.",
    "Write a Python function that parses a CSV file and returns the average of column 3.",
    "Explain the difference between a mutex and a semaphore.",
    "Translate 'good morning' into French, German and {{nationality}} languages.",
    "What is the capital of {{country}}?",
    "Give me three tips for a job interview as a {{job}}.",
    "How do I reset my router to factory settings?",
    "Plan a 3-day trip to {{city}} on a budget.",
    "Fix this SQL: SELECT name, total FROM orders WHERE total BETWEEN 100 AND 500;",
    "{{first_name}}, can you review the pull request before Friday?",
    "I was admitted last week for {{health_condition}}; my doctor prescribed {{medication}}.",
    "My daughter {{first_name}} was born {{date_of_birth}} at {{organization}}.",
    "Our tax return shows an income of {{personal_amount}}; we have {{personal_amount}} in debt.",
    "My student debt of {{personal_amount}} keeps growing; I pay {{personal_amount}} a month.",
    "{{first_name}} owes me {{personal_amount}} and her account balance is {{personal_amount}}.",
    "Account holder: {{name}}\nBalance: {{personal_amount}}\nOverdraft: {{personal_amount}}",
    "We paid {{personal_amount}} for my father's surgery and still owe {{personal_amount}}.",
    "Reply to {{first_name}} about the invoice by Monday and send the slides on Friday.",
    "Customer {{name}} called about order 5521 on Tuesday.",
    "Note for {{prefix}} {{last_name}}: the patient reports {{health_condition}}"
    " and takes {{medication}}.",
    "Our neighbour {{name}} was treated for {{health_condition}} last year.",
    "Please explain what {{topic_condition}} is, in simple words, for a school project.",
    "Draft a press release: {{organization}} posts net income of {{public_amount}}.",
    "Applicant {{name}} earns {{personal_amount}} a year and has a pension of {{personal_amount}}.",
    "Due by Wednesday: summary of the {{organization}} report for Thursday's meeting.",
    # Names in the places prompts put them: greetings, sign-offs, lists, possessives, CCs.
    "Dear {{name}},\nthank you for your letter of {{date_time}}.",
    "Thanks again, {{first_name}}! Best regards, {{name}}",
    "Forward this to {{first_name}} {{last_name}} and {{first_name}} {{last_name}} in HR.",
    "{{last_name}}, {{first_name}} - {{job}} - {{organization}}",
    "Meeting notes: attendees {{name}}, {{name}} and {{name}}; owner {{first_name}}.",
    "Can you proofread the bio of {{name}}, our new {{job}}?",
    "I spoke with {{name}} yesterday and she agreed to send the files.",
    "Write a thank-you note to {{first_name}} for helping me move.",
    "From: {{name}}\nTo: {{name}}\nSubject: quarterly numbers",
    "{{first_name}}'s flight lands at 6pm; {{first_name}} will take a taxi.",
    "my coworker {{name}} keeps taking credit for my work, how do I handle it?",
    "Assign the ticket to {{name}} and cc {{first_name}} {{last_name}}.",
    "Interview feedback for {{name}}: strong on SQL, weak on testing.",
    # Names with a fact: sensitive.
    "{{name}} was diagnosed with {{health_condition}} in {{year}}.",
    "My brother {{first_name}} lost his job and owes {{personal_amount}} in credit card debt.",
    "Ask {{name}} to call me back at {{phone_number}} about the lab results.",
    "{{name}}, {{street_address}}, {{city}} - parcel held at the depot.",
    "Hi {{first_name}}, your new PIN was sent to {{email}}.",
    "{{first_name}} {{last_name}} (born {{date_of_birth}}) starts on Monday.",
    "The pharmacy refilled {{medication}} for {{name}} on {{date_time}}.",
    # Personal money and health facts, the types a name alone does not carry.
    "I make {{personal_amount}} after tax and my rent is {{personal_amount}}; help me budget.",
    "We are {{personal_amount}} behind on the mortgage and the bank wrote to us.",
    "Her credit card balance hit {{personal_amount}} after the hospital stay.",
    "My pension pays {{personal_amount}} a month; is that enough to retire in {{city}}?",
    "I inherited {{personal_amount}} from my aunt; should I pay off my {{personal_amount}} loan?",
    "His bonus was {{personal_amount}} but he still has {{personal_amount}} of gambling debt.",
    "Since the accident I have {{health_condition}} and the doctor put me on {{medication}}.",
    "My son was just diagnosed with {{health_condition}}; what should we ask the specialist?",
    "I stopped taking {{medication}} last month and my {{health_condition}} came back.",
    "Can my employer fire me for having {{health_condition}}?",
    # Famous or fictional people and public money: not sensitive.
    "Summarise the plot of the novel by {{name}} in five sentences.",
    "Who was {{name}} and why is the {{organization}} named after them?",
    "Compare the leadership styles of two CEOs of {{organization}}.",
    "{{organization}} said operating costs rose by {{public_amount}} this year.",
    "The city budget allocates {{public_amount}} to public transport in {{city}}.",
    "What causes {{topic_condition}} and how is it usually diagnosed?",
    "Write a short story where a detective named {{first_name}} solves a puzzle.",
    # Round 2. A person's own money, in the many ways people state it.
    "I only have {{personal_amount}} in savings and the car needs {{personal_amount}} of repairs.",
    "How should I invest the {{personal_amount}} I got from selling my house?",
    "My wife spends {{personal_amount}} a month on groceries; is that normal for four people?",
    "We owe the IRS {{personal_amount}} in back taxes. What are our options?",
    "I got a raise to {{personal_amount}}, up from {{personal_amount}}.",
    "My 401(k) is worth {{personal_amount}} and I'm 45; am I on track?",
    "{{first_name}} pays {{personal_amount}} in child support every month.",
    "I withdrew {{personal_amount}} from my checking account and the bank froze it.",
    "Our household income is {{personal_amount}} and daycare costs {{personal_amount}}.",
    "He lent his sister {{personal_amount}} and she never paid it back.",
    "Employee {{name}} - base pay {{personal_amount}}, annual bonus {{personal_amount}}",
    "I have {{personal_amount}} left on my student loans at 6% interest.",
    "my hourly rate is {{personal_amount}} and i work 30 hours a week, how much tax do i pay",
    "The hospital billed me {{personal_amount}} and insurance covered {{personal_amount}}.",
    "Tenant {{name}} is {{personal_amount}} behind on rent.",
    "Net worth: {{personal_amount}} in stocks, {{personal_amount}} in cash, no debt.",
    "I lost {{personal_amount}} on crypto last year; can I deduct it?",
    "Help me tell my landlord I can pay {{personal_amount}} now and the rest next month.",
    "Our savings dropped to {{personal_amount}} after my husband was laid off.",
    "Loan request from {{name}}: {{personal_amount}}, monthly income {{personal_amount}}.",
    "Dad left me {{personal_amount}} in his will and my brother got {{personal_amount}}.",
    "I was charged a {{personal_amount}} overdraft fee; how do I dispute it?",
    # A person's own health, in the many ways people state it.
    "I've had {{health_condition}} for ten years and {{medication}} stopped working.",
    "My mom has {{health_condition}}; how can I support her?",
    "Is it okay to drink coffee while I'm on {{medication}}?",
    "Discharge summary: {{name}}, admitted with {{health_condition}}, sent home on {{medication}}.",
    "My therapist thinks I might have {{health_condition}}.",
    "{{first_name}} has been off work with {{health_condition}} since March.",
    "We found out our baby has {{health_condition}}. What will the treatment be like?",
    "I was prescribed {{medication}} and it makes me dizzy.",
    "Do I have to tell my insurer that I have {{health_condition}}?",
    "Her blood test came back positive for {{health_condition}}.",
    "Write a sick note: {{name}} cannot attend school this week due to {{health_condition}}.",
    "my dad takes {{medication}} and {{medication}}, can he fly long haul?",
    "Diagnosis: {{health_condition}}. Current medication: {{medication}}. Allergies: none.",
    "I think my {{health_condition}} is getting worse; the {{medication}} dose feels too low.",
    "Since my husband started {{medication}} for his {{health_condition}}, he sleeps all day.",
    "How do I explain my {{health_condition}} to my new boss?",
    "Referral for {{prefix}} {{last_name}}, who suffers from {{health_condition}}.",
    "I'm 34 and was just diagnosed with {{health_condition}}. Can I still have children?",
    "{{first_name}} went into hospital with {{health_condition}} on {{date_time}}.",
    # Names alone, in more places: not sensitive.
    "Tell {{first_name}} I said congratulations on the new job.",
    "Who should I invite: {{first_name}}, {{first_name}} or {{first_name}}?",
    "Write a LinkedIn recommendation for {{name}}, who worked with me at {{organization}}.",
    "{{name}} and I are planning a surprise party for {{first_name}}.",
    "Hey {{first_name}}, quick question about the budget spreadsheet.",
    "Signed, {{name}}, {{job}}",
    "Please book a table for two under the name {{last_name}}.",
    "According to {{name}}, the deadline moved to next week.",
    "Regards,\n{{first_name}}",
    "Can {{first_name}} {{last_name}} borrow the projector on Thursday?",
    "A bakery sells cupcakes for $3 each. If {{first_name}} buys 7, how much does she pay?",
    # Names with a fact: sensitive.
    "Contact: {{name}}, {{street_address}}, {{city}} {{zipcode}}",
    "{{name}}'s take-home pay is {{personal_amount}} after deductions.",
    "{{name}} ({{date_of_birth}}) has {{health_condition}} and is allergic to penicillin.",
    # Money and health as topics, not facts about anyone: not sensitive.
    "What is the average salary of a {{job}} in {{country}}?",
    "Explain how mortgages work and what an amortization schedule is.",
    "The new stadium cost {{public_amount}} and opened in {{year}}.",
    "What are the treatment options for {{topic_condition}} in children?",
    "How is {{topic_condition}} different from a common cold?",
    "Government spending on healthcare reached {{public_amount}} last year.",
    "Is a Roth IRA better than a traditional IRA for young workers?",
    "{{organization}} will pay a dividend of {{public_amount}} per share.",
    "Compute the monthly payment on a 30-year loan of $300,000 at 6.5% interest.",
    "What medications are commonly used to treat {{topic_condition}}?",
    "List five foods that help lower blood pressure.",
    "The charity raised {{public_amount}} for {{topic_condition}} research in {{year}}.",
    "Summarize this article about rising rents and house prices in {{city}}.",
    "How many people in {{country}} live with {{topic_condition}}?",
    "The average rent in {{city}} rose to {{public_amount}} a month in {{year}}.",
    "Tickets for the festival cost {{public_amount}}; is that cheaper than last year?",
    "{{organization}} was fined {{public_amount}} by the regulator.",
    "The museum received a grant of {{public_amount}} to restore its roof.",
    "A used {{organization}} laptop sells for about {{public_amount}} online.",
    "Market cap of {{organization}}: {{public_amount}}. Revenue: {{public_amount}}.",
    "The state budget for schools in {{state}} is {{public_amount}} this year.",
    "Write an ad for a sofa on sale for {{public_amount}}.",
    "Why do hospitals in {{country}} charge {{public_amount}} for an MRI scan?",
    "The median household in {{country}} spends {{public_amount}} a year on energy.",
    "Is {{topic_condition}} hereditary?",
    "Write a quiz with five questions about {{topic_condition}} for nursing students.",
    "Which vitamins help prevent {{topic_condition}}?",
    "Describe the history of research into {{topic_condition}}.",
    "A new study links air pollution to {{topic_condition}} in older adults.",
    "How do doctors test for {{topic_condition}}?",
    "Create a poster for {{topic_condition}} awareness week at {{organization}}.",
)
TEST_TEMPLATES = (
    "Hello, this is {{name}}. I need to reschedule my appointment for {{health_condition}}.",
    "Member: {{name}} | Date of birth: {{date_of_birth}} | Plan: gold",
    "Refill request: {{medication}} for {{first_name}} {{last_name}}.",
    "I've been struggling with {{health_condition}} since my divorce.",
    "Deliver the parcel to {{street_address}}, {{city}}.",
    "Send the contract to {{name}} at {{address}} by Monday.",
    "I earn {{personal_amount}} per month; can I afford a car loan of {{personal_amount}}?",
    "Client {{name}} has a credit card debt of {{personal_amount}}.",
    "Could you call {{phone_number}} and ask for {{first_name}}?",
    "Reach me at {{email}}. Regards, {{name}}",
    "Wire {{personal_amount}} to {{iban}} today.",
    "Social security number: {{ssn}}",
    "The server at {{ip_address}} keeps timing out.",
    "Is {{topic_condition}} contagious?",
    "List the side effects usually reported for {{topic_condition}} treatments.",
    "{{organization}}'s quarterly profit fell to {{public_amount}}.",
    "How does compound interest work on a savings account?",
    "Write a haiku about the sea near {{city}}.",
    "Sort a list of dictionaries by the key 'age' in Python.",
    "What's the population of {{country}}?",
    "Explain how vaccines train the immune system.",
    "Convert 72 degrees Fahrenheit to Celsius.",
    "Recommend a book about the history of {{country}}.",
    "Why does my laptop fan get loud when I open Chrome?",
    "Born {{date_of_birth}}, {{name}} applied for the position last week.",
    "{{prefix}} {{last_name}} confirmed that my biopsy showed {{health_condition}}.",
)


def _extra_provider() -> Any:
    from faker.providers import BaseProvider

    class ContextProvider(BaseProvider):
        def health_condition(self) -> str:
            return str(self.random_element(_CONDITIONS))

        topic_condition = health_condition

        def medication(self) -> str:
            return str(self.random_element(_MEDICATIONS))

        def personal_amount(self) -> str:
            amount = self.random_int(300, 250_000)
            return str(self.random_element([f"${amount:,}", f"{amount} dollars", f"€{amount}"]))

        public_amount = personal_amount

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


def negatives(data: Path) -> list[Sample]:
    """Real chat prompts without labels (AlpacaEval instructions, Arena-Hard questions) as
    all-`O` text, so that ordinary capitalised request words are not taken for names; empty
    when the offline data folder is absent."""
    import gzip

    alpaca, arena = (
        data / "alpacaeval1_gpt4judge_vs_davinci003.csv.gz",
        data / "arena_hard_v0.1_question.jsonl",
    )
    if not alpaca.is_file() or not arena.is_file():
        return []
    with gzip.open(alpaca, "rt", encoding="utf-8", newline="") as handle:
        texts = [row["instruction"] for row in csv.DictReader(handle)]
    for line in arena.read_text(encoding="utf-8").splitlines():
        texts.append(json.loads(line)["prompt"][:2000])
    return [Sample(text, ()) for text in texts]


def _presidio_templates() -> list[str]:
    from presidio_evaluator.data_generator.presidio_sentence_faker import (
        presidio_templates_file_path,
    )

    lines = presidio_templates_file_path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and "hospital" not in line]


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
    train, ours = presidio[0::2], list(TRAIN_TEMPLATES)
    if split == "train":
        return train, ours
    held = split == "val"

    def pick(templates: list[str]) -> list[str]:
        return [t for i, t in enumerate(templates) if (i % VAL_EVERY == VAL_EVERY - 1) == held]

    return pick(train), pick(ours)


def generate(split: str, n: int, seed: int) -> list[Sample]:
    """`n` samples of a split (`SPLITS`; disjoint templates), reproducible by seed."""
    from presidio_evaluator.data_generator import PresidioSentenceFaker
    from presidio_evaluator.data_generator.presidio_sentence_faker import (
        presidio_additional_entity_providers as providers,
    )

    templates, ours = split_templates(split)
    templates += ours * max(1, len(templates) // len(ours))  # about half ours
    keep = [p for p in providers if getattr(p, "__name__", "") != "HospitalProvider"]
    # The faker draws its person records' middle initials from the global `random` before it
    # seeds itself: seed first, or the same seed gives different texts in different processes.
    random.seed(seed)
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
