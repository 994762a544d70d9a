from __future__ import annotations

import pytest

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
