from __future__ import annotations

import pytest

from classifier import context
from classifier.detectors import (
    Detectors,
    detect,
    resolve_overlaps,
)


def spans_of(text: str, detectors: Detectors) -> list[tuple[str, str]]:
    return [(kind, text[start:end]) for kind, start, end in detect(text, detectors)]


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("mail me at jane.doe@example.co.uk today", "EMAIL", "jane.doe@example.co.uk"),
        ("call +1-408-555-1234 now", "PHONE_NUMBER", "+1-408-555-1234"),
        ("office (415) 555-2671.", "PHONE_NUMBER", "(415) 555-2671"),
        ("card 4539 1488 0343 6467 expires", "CREDIT_CARD", "4539 1488 0343 6467"),
        ("card 4111-1111-1111-1111.", "CREDIT_CARD", "4111-1111-1111-1111"),
        ("paid with 4539.1488.0343.6467 today", "CREDIT_CARD", "4539.1488.0343.6467"),  # dotted
        ("IBAN GB29 NWBK 6016 1331 9268 19 flagged", "IBAN", "GB29 NWBK 6016 1331 9268 19"),
        ("pay DE89370400440532013000 now", "IBAN", "DE89370400440532013000"),
        ("my iban is gb29 nwbk 6016 1331 9268 19", "IBAN", "gb29 nwbk 6016 1331 9268 19"),
        ("SSN 521-44-9382 leaked", "US_SSN", "521-44-9382"),
        ("my ssn is 521449382", "US_SSN", "521449382"),
        ("My ITIN is 912-70-1234", "US_ITIN", "912-70-1234"),
        ("taxpayer number 955 91 4321", "US_ITIN", "955 91 4321"),
        ("host 133.133.133.133:8080 down", "IP_ADDRESS", "133.133.133.133"),
        ("ping 2606:4700:4700::1111 please", "IP_ADDRESS", "2606:4700:4700::1111"),
        ("Please call me at 327 6915 today", "PHONE_NUMBER", "327 6915"),
        ("Phone:\\n75 426 951\\n", "PHONE_NUMBER", "75 426 951"),
        ("Fax: +46 (0)8 224 712 73", "PHONE_NUMBER", "+46 (0)8 224 712 73"),
        ("Desk: 689.162.9226x7326", "PHONE_NUMBER", "689.162.9226x7326"),
        ("limit on my card # 563810338423 please", "CREDIT_CARD", "563810338423"),
        ("My IBAN is GB86XCLR21694997924969", "IBAN", "GB86XCLR21694997924969"),
        ("I tried 72 941 88 33 twice", "PHONE_NUMBER", "72 941 88 33"),
        ("is 04.00.14.32.96 still yours?", "PHONE_NUMBER", "04.00.14.32.96"),
        ("office 06321 45 76 37.", "PHONE_NUMBER", "06321 45 76 37"),
        ("dial +46 (0)8 224 712 73", "PHONE_NUMBER", "+46 (0)8 224 712 73"),
        ("Ana\\nDesk: 476 1626\\n", "PHONE_NUMBER", "476 1626"),
        ("They're not answering at 412 5182", "PHONE_NUMBER", "412 5182"),
        ("my new number is 99 224086", "PHONE_NUMBER", "99 224086"),
        ("US 24025\n713-348-1488-Office", "PHONE_NUMBER", "713-348-1488"),  # a label after "-"
        ("(778)602-8126-Fax", "PHONE_NUMBER", "(778)602-8126"),
        ("My driver's license number is d8335367944378", "ID_NUMBER", "d8335367944378"),
        ("license number is 32WAp25075", "ID_NUMBER", "32WAp25075"),
        # a Medicare Beneficiary Identifier beside its label, either side, dashed or not
        ("My Medicare number is 1EG4-TE5-MK73.", "ID_NUMBER", "1EG4-TE5-MK73"),
        ("MBI: 1EG4TE5MK73", "ID_NUMBER", "1EG4TE5MK73"),
        ("1eg4-te5-mk73 is my medicare id", "ID_NUMBER", "1eg4-te5-mk73"),
    ],
)
def test_structured_entity_found_with_exact_offsets(
    text: str, kind: str, value: str, detectors: Detectors
) -> None:
    found = detect(text, detectors)
    start = text.index(value)
    assert (kind, start, start + len(value)) in found


@pytest.mark.parametrize(
    "text",
    [
        "order 4539 1488 0343 6468 shipped",  # fails Luhn
        "the year 2024 had 365 days and 8760 hours",
        "version 1.2.3.4.5 released",
        "medicare 1SG4-TE5-MK73, 0EG4-TE5-MK73, 1EG4-TE5MK73, 1EG4-TE5-MK73x",  # not MBI layouts
        "build 1EG4-TE5-MK73 passed",  # an MBI's layout, but nothing says it is one
        "build 10.0.22621.2428 and 4539.1488.0343.6467.1",  # build numbers, not dotted cards
        "release 2024.1488.0343.64671 and 1.4539.1488.0343.6467",
        "IBAN GB29 NWBK 6016 1331 9268 18",  # bad mod-97
        "SSN 666-12-3456",  # area 666 never issued
        "ITIN 912-12-3456",  # group 12 is no ITIN group
        "the 912701234 rows",  # nine bare digits, no word that makes them an ITIN
        "a bare number 4155552671 in a table",
        "std::vector<int> v; a::b::c",
        "order 327 6915 shipped",  # seven digits, no word that makes it a phone number
        "On 2003-08-26 17:23:39, call the job",
        "call the API at 127.0.0.1:8080 or 192.168.1.20",  # private addresses name no one
        "invoice 563810338423 paid",  # a 12-digit Maestro-shaped run without a card word
        "ping 2001:db8::8a2e:370:7334 please",  # documentation range
        "print(b[::2]), a[1::2], x[12::34], s[::ff]",  # Python's step slices: no global unicast
        "During the 2000-2001 season",  # "ring" inside "during" is no phone cue
        "the hotel 327 6915 rooms",  # nor is "tel" inside "hotel"
        "a score of 0.995773256 on 9/25/2023",  # a decimal, not a trunk-prefixed number
        "so 23786-17509 = 6277 children",  # a subtraction
        "part 713-348-1488-2231 shipped",  # a phone-shaped head of a longer number
        "the binary number 1001 0011",  # "number" alone names no phone
        "call the router at 10.20.30.40 or 256.256.256.256",  # dotted quads
    ],
)
def test_invalid_candidates_are_not_hard_entities(text: str, detectors: Detectors) -> None:
    kinds = {kind for kind, _, _ in detect(text, detectors)}
    assert not kinds & {"CREDIT_CARD", "IBAN", "US_SSN", "US_ITIN", "PHONE_NUMBER", "IP_ADDRESS"}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("his PAN card number 'ABPCJ4567R' and", "ABPCJ4567R"),  # "card", then a quoted value
        ("Aadhar number '12345678901204', and", "12345678901204"),
        ('Account Number "HDFC012345678901", IFSC', "HDFC012345678901"),
        ("driver's license number DL:US98765432 and", "DL:US98765432"),  # letter groups joined
        ("driver's license number CA_DL_98765432 and", "CA_DL_98765432"),
        ("his passport number US-PP-987654321 against", "US-PP-987654321"),
        ("their SSN 900-12-3456 and", "900-12-3456"),  # no SSN is issued in area 900
        ("his Social Security number is 123-45-6789.", "123-45-6789"),  # nor is this one
        ("the credit card 4716 9876 2234 1561 used", "4716 9876 2234 1561"),  # fails Luhn
        ("IBAN GB29 NWBK 6016 1331 9268 18 flagged", "GB29 NWBK 6016 1331 9268 18"),  # mod-97
        ("my Aadhaar is 2345 6789 0123", "2345 6789 0123"),  # digit groups split by spaces
        ("My National Insurance number is QQ 12 34 56 C", "QQ 12 34 56"),
        ("my NI number: QQ123456C", "QQ123456C"),  # no NINO series: an ID by its label alone
        ("Medicare number 2123 45670 1", "2123 45670 1"),
        ("My tax file number is 123 456 782", "123 456 782"),
        ("their associated tax number IT23456789, and", "IT23456789"),
        ("update my tax ID information 123-45-6789 today", "123-45-6789"),  # a word between
        ("passport details: X1234567", "X1234567"),
        ("and driver's license data DL:TX0000001.", "DL:TX0000001"),  # "data" between
        ("my license plate number is 8XYZ4521", "8XYZ4521"),  # a vehicle's registration
    ],
)
def test_a_labelled_id_is_an_id_whatever_its_shape_or_checksum(
    text: str, value: str, detectors: Detectors
) -> None:
    assert ("ID_NUMBER", value) in spans_of(text, detectors)


@pytest.mark.parametrize(
    "text",
    [
        "order 4716 9876 2234 1561 shipped",  # fails Luhn, and no card word before it
        "ref GB29 NWBK 6016 1331 9268 18 flagged",  # fails mod-97, and no IBAN word before it
        "the card game ended hours ago, and later on 4716 9876 2234 1561 rows were read",  # far
        "the PAN card number 'ABPCJ' is missing",  # no digit
        "set id: 'abc123' in the config",  # three digits
        "driver's license number DL:US-LONGCODE1 and",  # a letter group of seven or more
        "the policy of 2019 was renewed",  # a lower-case word is no prefix before a space
        "sin 30 degrees and 1234 more",  # a group opens with a digit; "30" alone is two
        "nine 1234 items",  # "ni" is a label only as a word
    ],
)
def test_an_unlabelled_or_digitless_value_is_no_id(text: str, detectors: Detectors) -> None:
    assert not {k for k, _ in spans_of(text, detectors)} & {"ID_NUMBER", "CREDIT_CARD", "IBAN"}


def test_a_no_reply_address_is_no_email_entity_but_the_next_address_is(
    detectors: Detectors,
) -> None:
    text = "From: noreply@github.com, reply to jane.doe@example.com"
    assert spans_of(text, detectors) == [("EMAIL", "jane.doe@example.com")]


@pytest.mark.parametrize(
    ("alternative", "literal"),
    [("aadhaa?r", "aadha"), ("ni number", "ni number"), ("tax\\s+id", "tax"), ("id", "id")],
)
def test_an_id_label_is_sought_by_its_leading_letters(alternative: str, literal: str) -> None:
    assert context._leading_literal(alternative) == literal


@pytest.mark.parametrize("alternative", ["tax\\s+(?:id", "\\s+id"])
def test_an_id_label_split_inside_a_group_or_without_letters_is_refused(alternative: str) -> None:
    with pytest.raises(ValueError):
        context._leading_literal(alternative)


def test_id_value_must_not_run_on_from_a_word(detectors: Detectors) -> None:
    kinds = {kind for kind, _, _ in detect("my accounts2024 and the panel2024 meeting", detectors)}
    assert "ID_NUMBER" not in kinds


def test_overlaps_keep_the_higher_priority_type() -> None:
    spans = [("PHONE_NUMBER", 5, 24), ("CREDIT_CARD", 5, 24), ("PERSON", 30, 40)]
    assert resolve_overlaps(spans) == [("CREDIT_CARD", 5, 24), ("PERSON", 30, 40)]


def test_password_in_basic_auth_url_is_a_secret_not_an_email(detectors: Detectors) -> None:
    text = "clone https://deploy:Hunter2x9@git.example.com/repo.git"
    assert spans_of(text, detectors) == [("SECRET", "Hunter2x9")]


def test_anchored_soft_cues_found(detectors: Detectors) -> None:
    text = "Jane Doe, born on 12/04/1985, passport number XG9382049, lives in Austin, TX 78701."
    found = spans_of(text, detectors)
    assert ("DATE_OF_BIRTH", "12/04/1985") in found
    assert ("ID_NUMBER", "XG9382049") in found
    assert ("ADDRESS", "Austin, TX 78701") in found


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("My date of birth is January 5, 1990", "January 5, 1990"),
        ("My birthday is 5/1/1990.", "5/1/1990"),
        ("her date of birth was 12 March 1985", "12 March 1985"),
        ("Please tell me your date of birth. It's 12/10/1998", "12/10/1998"),
        ("DOB? Mine is 3/4/1980", "3/4/1980"),
        ("date of birth \u2013 it\u2019s 1985-04-12", "1985-04-12"),
    ],
)
def test_a_birth_date_after_is_was_or_a_sentence_that_gives_it(
    text: str, value: str, detectors: Detectors
) -> None:
    assert ("DATE_OF_BIRTH", value) in spans_of(text, detectors)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("My zip code is 45011", "45011"),
        ("my zip is 90210 and I like it", "90210"),
        ("Our postcode: SW1A 1AA", "SW1A 1AA"),
        ("My postal code is G8K 1B1.", "G8K 1B1"),
        ("My zip code is 3132 HD", "3132 HD"),
        ("my current post code = 25-410", "25-410"),
        ("My zip code is 570", "570"),
    ],
)
def test_the_writers_own_postal_code_is_an_address(
    text: str, value: str, detectors: Detectors
) -> None:
    assert spans_of(text, detectors) == [("ADDRESS", value)]


@pytest.mark.parametrize(
    "text",
    [
        "What city has the zip code 10001?",  # a place asked about, not the writer's
        "my zip code is unknown",
        "my zip code is 12",  # too short to be one
        "Post my code 12345 to the repo",
    ],
)
def test_a_postal_code_not_given_as_the_writers_is_no_address(
    text: str, detectors: Detectors
) -> None:
    assert "ADDRESS" not in {kind for kind, _, _ in detect(text, detectors)}


def test_email_found_after_an_at_sign_at_the_start(detectors: Detectors) -> None:
    text = "@here: write to a.b@example.org or c@example.net"
    assert [v for k, v in spans_of(text, detectors) if k == "EMAIL"] == [
        "a.b@example.org",
        "c@example.net",
    ]


def test_plain_prose_has_no_entities(detectors: Detectors) -> None:
    text = "Explain the difference between a process and a thread, with an example in Python."
    assert detect(text, detectors) == []


def test_long_text_entities_found_far_from_the_start(detectors: Detectors) -> None:
    text = "lorem ipsum " * 500 + "card 4111 1111 1111 1111"
    assert spans_of(text, detectors)[-1] == ("CREDIT_CARD", "4111 1111 1111 1111")
