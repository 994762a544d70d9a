from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from classifier import validators


@pytest.mark.parametrize(
    "number", ["4539 1488 0343 6467", "4111-1111-1111-1111", "378282246310005", "6011111111111117"]
)
def test_luhn_accepts_valid_card_numbers(number: str) -> None:
    assert validators.is_luhn(number)


@pytest.mark.parametrize(
    "number",
    ["4539 1488 0343 6468", "1234567890123", "0000000000000000", "4111", "12345678901234567890"],
)
def test_luhn_rejects_bad_checksum_wrong_length_or_repeated_digit(number: str) -> None:
    assert not validators.is_luhn(number)


@pytest.mark.parametrize(
    "iban",
    ["GB29 NWBK 6016 1331 9268 19", "DE89370400440532013000", "FR76 3000 6000 0112 3456 7890 189"],
)
def test_iban_accepts_valid_mod97(iban: str) -> None:
    assert validators.is_iban(iban)


@pytest.mark.parametrize(
    "iban",
    ["GB29 NWBK 6016 1331 9268 18", "DE8937040044053201300", "XX89370400440532013000", "GB29"],
)
def test_iban_rejects_bad_checksum_length_or_country(iban: str) -> None:
    assert not validators.is_iban(iban)


@pytest.mark.parametrize("ssn", ["521-44-9382", "232-18-0912", "001-01-0001"])
def test_ssn_accepts_valid_area_group_serial(ssn: str) -> None:
    assert validators.is_us_ssn(ssn)


@pytest.mark.parametrize(
    "ssn",
    [
        "000-12-3456",
        "666-12-3456",
        "937-42-6810",
        "521-00-9382",
        "521-44-0000",
        "078-05-1120",
        "52-144-9382",
    ],
)
def test_ssn_rejects_reserved_area_group_serial_and_advertising_numbers(ssn: str) -> None:
    assert not validators.is_us_ssn(ssn)


@pytest.mark.parametrize(
    "ip", ["133.133.133.133", "10.0.0.1", "2001:db8::1", "::1", "fe80::1ff:fe23:4567:890a"]
)
def test_ip_accepts_ipv4_and_ipv6(ip: str) -> None:
    assert validators.is_ip_address(ip)


@pytest.mark.parametrize("ip", ["256.256.256.256", "1.2.3", "1.2.3.04", "2001:db8:::1", "10:30:00"])
def test_ip_rejects_out_of_range_short_leading_zero_and_times(ip: str) -> None:
    assert not validators.is_ip_address(ip)


@pytest.mark.parametrize(
    "phone", ["+1-408-555-1234", "+44 20 7946 0958", "(415) 555-2671", "030 1234 5678"]
)
def test_phone_accepts_e164_and_national_formats(phone: str) -> None:
    assert validators.is_phone_number(phone)


@pytest.mark.parametrize(
    "phone", ["4155552671", "+0123456789", "(112) 555-2671", "555-1234", "111 111 1111"]
)
def test_phone_rejects_bare_digits_and_impossible_numbers(phone: str) -> None:
    assert not validators.is_phone_number(phone)


@pytest.mark.parametrize("number", ["6759 8541 4928", "502002981590", "5638-1033-8423"])
def test_short_maestro_accepts_twelve_luhn_digits_in_maestro_ranges(number: str) -> None:
    assert validators.is_short_maestro(number)


@pytest.mark.parametrize(
    "number", ["675985414929", "412345678903", "6759854149280", "555555555555"]
)
def test_short_maestro_rejects_bad_checksum_other_ranges_or_lengths(number: str) -> None:
    assert not validators.is_short_maestro(number)


@pytest.mark.parametrize(
    ("number", "valid"),
    [("912-70-1234", True), ("900 50 0001", True), ("999-99-9999", True), ("912701234", True),
     ("912-69-1234", False), ("912-93-1234", False), ("912-70-0000", False),
     ("812-70-1234", False), ("91-270-1234", False), ("912-70-123", False)],
)  # fmt: skip
def test_itin_takes_area_9xx_and_the_irs_group_ranges(number: str, valid: bool) -> None:
    assert validators.is_us_itin(number) is valid


@pytest.mark.parametrize(
    ("address", "personal"),
    [("jane.doe@example.co.uk", True), ("noreplyjane@example.com", True),
     ("support@example.com", True), ("noreply@github.com", False),
     ("No-Reply+alerts@bank.example", False), ("do_not_reply@x.org", False),
     ("MAILER-DAEMON@mx.example.net", False)],
)  # fmt: skip
def test_an_address_that_only_sends_is_not_personal(address: str, personal: bool) -> None:
    assert validators.is_personal_email(address) is personal


@pytest.mark.parametrize(
    "ip", ["133.133.133.133", "1.1.1.1", "2606:4700:4700::1111", "2a00:1450::200e"]
)
def test_public_ip_accepts_internet_addresses(ip: str) -> None:
    assert validators.is_public_ip(ip)


@pytest.mark.parametrize(
    "ip",
    ["127.0.0.1", "10.0.0.1", "172.16.0.1", "192.168.0.1", "169.254.169.254", "0.0.0.0",
     "192.0.2.10", "::1", "fe80::1", "2001:db8::1", "1.2.3.04", "256.256.256.256",
     "::2", "1::2", "12::34", "::ff"],  # fewer than three groups: Python's step slices
)  # fmt: skip
def test_public_ip_rejects_private_loopback_documentation_and_invalid(ip: str) -> None:
    assert not validators.is_public_ip(ip)


@pytest.mark.parametrize(
    "phone",
    ["476 1626", "05.06.52.16.25", "+46 (0)8 224 712 73", "25 833307", "87 89 79",
     "05171382813", "689.162.9226x7326"],
)  # fmt: skip
def test_local_phone_accepts_short_and_international_groupings(phone: str) -> None:
    assert validators.is_local_phone(phone)


@pytest.mark.parametrize(
    "phone", ["123456", "1111 111", "2003-08-26 17", "26.08.2003", "+12 345", "12 34"]
)
def test_local_phone_rejects_short_repeated_and_date_shaped_numbers(phone: str) -> None:
    assert not validators.is_local_phone(phone)


def test_phone_number_ignores_an_extension_and_rejects_timestamps() -> None:
    assert validators.is_phone_number("(539)731-0114x2433")
    assert not validators.is_phone_number("2016-02-17 09")


@pytest.mark.parametrize(
    "phone",
    ["001-408-555-1234", "031-684-974", "0688 912 84 70", "04.00.14.32.96", "(32) 8164-5542",
     "(1) 824-7680", "40-45-11-94", "72 941 88 33", "21 232 583 9689", "06 12 34 56 78"],
)  # fmt: skip
def test_phone_accepts_international_prefix_trunk_area_code_and_grouped_formats(
    phone: str,
) -> None:
    assert validators.is_phone_number(phone)


@pytest.mark.parametrize(
    "candidate",
    ["0.995773256", "23786-17509", "1990-2000", "(2) 2019-2020", "10.20.30.40",
     "256.256.256.256", "12 34 56 78 90", "06533 2711", "0001 2345 6789"],
)  # fmt: skip
def test_phone_rejects_decimals_sums_year_ranges_addresses_and_lists(candidate: str) -> None:
    assert not validators.is_phone_number(candidate)


@pytest.mark.parametrize("candidate", ["12345.6789", "192.168.100.200", "256.256.256.256"])
def test_local_phone_rejects_decimals_and_dotted_quads(candidate: str) -> None:
    assert not validators.is_local_phone(candidate)


_PHONE_CHARS = st.text(alphabet="0123456789 .-()+x", min_size=1, max_size=16)


@settings(max_examples=1000, deadline=None)
@given(candidate=_PHONE_CHARS)
@example(candidate="10.00.00.0+")  # a "+" inside the last group was counted as a digit
def test_phone_validators_need_their_fewest_digits(candidate: str) -> None:
    """`detectors` skips the phone validators for matches shorter than these minimums."""
    digits = sum(ch.isdigit() for ch in candidate)
    if validators.is_phone_number(candidate):
        assert digits >= validators.PHONE_MIN_DIGITS
    if validators.is_local_phone(candidate):
        assert digits >= validators.LOCAL_PHONE_MIN_DIGITS


def test_the_fewest_digits_are_reached() -> None:
    assert validators.is_phone_number("+49301234")  # 8 digits after "+"
    assert validators.is_local_phone("87 89 79")  # 6 digits in three groups


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet="0123456789 -+.()x٣é漢", max_size=30))
def test_digits_of_keeps_the_ascii_digits_in_order(text: str) -> None:
    assert validators.digits_of(text) == "".join(ch for ch in text if "0" <= ch <= "9")
