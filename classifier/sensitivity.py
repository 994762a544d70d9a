"""Sensitivity of a whole request: every message scanned, entities collected, one score.

A secret pasted into the system prompt or returned by a tool leaves the building just as surely
as one typed by the user, so the scan covers all text of all messages (see `messages` for the
offsets convention). A hard entity (`scores.HARD_ENTITY_TYPES`) makes the request sensitive
outright: sensitivity 1.0. Otherwise the soft cues combine as a noisy-OR of per-type weights,
each type counted once, so the score stays below 1 and grows with independent evidence.
Contact data (an e-mail address or a phone number, 0.50) is personal data and alone reaches the
default 0.5 threshold; so does a public IP address (0.50: personal data under the GDPR, CJEU
C-582/14 Breyer; the detectors report public addresses only, so 10.0.0.1 in a config is not).
A name alone (0.30) does not reach it; a name with a health or money fact (0.65) does. A one-word
address fragment with no other half beside it (`ADDRESS_PART`, 0.20) does not reach it, alone
or with a name (0.44): only an operator's lower threshold sees it. The weights are
set by hand from what the types imply (they are not fitted) and are documented here so the
threshold can be reasoned about. A grid on the PII validation split (`pii_data` "val"; MEDICAL,
FINANCIAL, ADDRESS 0.3-0.6, PERSON 0.2-0.4) found no setting with a better document F1.
"""

from __future__ import annotations

from collections.abc import Iterable

from classifier import detectors, named_facts, widths
from classifier.features import Featurizer
from classifier.pii_model import PiiTagger
from classifier.pii_spans import ADDRESS_PART, DATE_PART
from classifier.pii_text import KIND as PERSONAL_CONTEXT
from classifier.pii_text import PiiTextModel
from classifier.scores import HARD_ENTITY_TYPES, Entity
from classifier.special import KIND as SPECIAL_CATEGORY

SOFT_WEIGHTS = {
    "ID_NUMBER": 0.60,
    "DATE_OF_BIRTH": 0.60,
    "ADDRESS": 0.50,
    "EMAIL": 0.50,
    "PHONE_NUMBER": 0.50,
    "MEDICAL": 0.50,
    "PERSON": 0.30,
    # a lone number or word the tagger calls an address (`pii_spans.is_address`): with a name
    # 0.44, so below the default threshold; an operator's lower threshold still sees it
    ADDRESS_PART: 0.20,
    DATE_PART: 0.20,  # a lone day number the tagger calls a birth date (`pii_spans.is_birth_date`)
    "FINANCIAL": 0.50,
    PERSONAL_CONTEXT: 0.50,  # the text states someone's health or money facts (`pii_text`)
    # sexual orientation, criminal record, immigration, religion or ethnicity said of the
    # writer or someone close (`special`; GDPR Articles 9 and 10)
    SPECIAL_CATEGORY: 0.50,
    "IP_ADDRESS": 0.50,
}
MAX_SOFT = 0.99


def spans_of(
    text: str,
    compiled: detectors.Detectors,
    tagger: PiiTagger,
    featurizer: Featurizer,
    text_model: PiiTextModel | None = None,
) -> tuple[detectors.Span, ...]:
    """One text's entities as (type, start, end): the validated detectors' spans and the PII
    tagger's, overlaps resolved by type priority, and the health and money terms beside a
    full name among them (`named_facts`); then one `PERSONAL_CONTEXT` span over the whole text
    when the text model flags it (it overlaps the others by design: it says what the text is
    about, not where). Depends on the text alone. Everything reads the text without its
    invisible characters (the spans are mapped back to `text`'s offsets at the end) and with
    its full-width forms, other spaces, dashes and digits as ASCII, and the detectors read
    it with the letters of scripts written without spaces as spaces (`widths.views`)."""
    seen = widths.views(text)
    text = seen.plain
    bag = None if text_model is None else (text_model.n_bits, text_model.weights)
    tagged, total = tagger.tag_and_sum(featurizer, text, bag)  # one scan for both models
    spans = detectors.resolve_overlaps(detectors.detect(seen.detect, compiled) + tagged)
    spans = named_facts.with_facts(text, spans, compiled.facts)
    if text_model is not None and (
        text_model.flags(featurizer, text) if total is None else text_model.flags_sum(total)
    ):
        spans.append((PERSONAL_CONTEXT, 0, len(text)))
    return tuple(spans if seen.kept is None else widths.to_original(spans, seen.kept))


def entities_of(
    texts: Iterable[tuple[int, str]],
    compiled: detectors.Detectors,
    tagger: PiiTagger,
    featurizer: Featurizer,
    text_model: PiiTextModel | None = None,
) -> tuple[Entity, ...]:
    """Entities in each (message index, text) pair, tagged with their message index."""
    return tuple(
        Entity(kind, start, end, index)
        for index, text in texts
        for kind, start, end in spans_of(text, compiled, tagger, featurizer, text_model)
    )


def sensitivity_of(entities: Iterable[Entity]) -> float:
    """1.0 with any hard entity; otherwise the noisy-OR of the soft weights, below 1."""
    types = {e.type for e in entities}
    if types & HARD_ENTITY_TYPES:
        return 1.0
    keep = 1.0
    for kind in types:
        keep *= 1.0 - SOFT_WEIGHTS.get(kind, 0.1)
    return min(1.0 - keep, MAX_SOFT)
