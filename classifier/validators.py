"""Checksums and format rules that turn a regex candidate into a validated entity.

A regex alone flags every 16-digit order number as a card and every 9-digit number as an SSN.
These predicates are the second stage: each is pure, takes the matched string, and answers
whether it can be the real thing. They stay separate from the patterns so that each rule is
tested on its own valid and invalid examples.
"""

from __future__ import annotations

import ipaddress

_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26,
    "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
    "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18,
    "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24,
    "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24,
    "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip


def digits_of(text: str) -> str:
    """The ASCII digits of `text`, in order (separators such as spaces and dashes dropped)."""
    return "".join(ch for ch in text if "0" <= ch <= "9")


def is_luhn(number: str) -> bool:
    """True when the digits of `number` pass the Luhn check (cards: 13 to 19 digits)."""
    digits = digits_of(number)
    return 13 <= len(digits) <= 19 and _luhn_ok(digits)


def is_short_maestro(number: str) -> bool:
    """True for a 12-digit Maestro number: an IIN in Maestro's ranges (50, 56-69) and a valid
    Luhn check. Twelve digits are also order numbers and phone numbers, so callers accept it
    only next to a word that names a card."""
    digits = digits_of(number)
    prefix = digits[:2]
    return len(digits) == 12 and (prefix == "50" or "56" <= prefix <= "69") and _luhn_ok(digits)


def _luhn_ok(digits: str) -> bool:
    if len(set(digits)) == 1:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = ord(ch) - 48
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def is_iban(candidate: str) -> bool:
    """True for an IBAN with a known country length and a valid ISO 13616 mod-97 check."""
    iban = "".join(candidate.split()).replace("-", "").upper()
    if len(iban) < 15 or not iban.isascii() or not iban.isalnum():
        return False
    country = iban[:2]
    if _IBAN_LENGTHS.get(country) != len(iban) or not iban[2:4].isdigit():
        return False
    rearranged = iban[4:] + iban[:4]
    as_number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(as_number) % 97 == 1


def is_us_ssn(candidate: str) -> bool:
    """True for a possible SSN (3-2-4 digits): area not 000/666/9xx, group 00 or serial 0000."""
    digits = digits_of(candidate)
    parts = candidate.strip().replace(" ", "-").split("-")
    if len(digits) != 9 or [len(p) for p in parts] not in ([9], [3, 2, 4]):
        return False
    area, group, serial = digits[:3], digits[3:5], digits[5:]
    if area in {"000", "666"} or area[0] == "9" or group == "00" or serial == "0000":
        return False
    # Numbers the SSA reserved for advertising, and runs of one digit, are never real.
    return digits not in {"078051120", "219099999", "123456789"} and len(set(digits)) > 1


def is_ip_address(candidate: str) -> bool:
    """True for a valid IPv4 (dotted quad, no leading zeros) or IPv6 address."""
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return False
    return True


def is_public_ip(candidate: str) -> bool:
    """True for a valid address that can point at someone on the internet. Private, loopback,
    link-local, documentation and multicast ranges (127.0.0.1, 10.x, 192.168.x,
    169.254.169.254, 2001:db8::) name no person and fill every networking question."""
    try:
        ip = ipaddress.ip_address(candidate)
    except ValueError:
        return False
    return not (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
                or ip.is_unspecified)  # fmt: skip


def is_phone_number(candidate: str) -> bool:
    """True for a plausible phone number: E.164 (+ and 8 to 15 digits) or a 10-11 digit national
    number written with the separators people use; bare digit runs are left to other detectors."""
    stripped = _without_extension(candidate.strip())
    digits = digits_of(stripped)
    if stripped.startswith("+"):
        return 8 <= len(digits) <= 15 and digits[0] != "0"
    if _is_date_shaped(stripped):
        return False
    has_separator = any(ch in stripped for ch in " -.()")
    if not has_separator or len(set(digits)) == 1:
        return False
    if digits[0] == "0":
        return 10 <= len(digits) <= 11  # trunk prefix, e.g. 030 1234 5678 or 020 7946 0958
    if len(digits) == 11 and digits[0] == "1":
        digits = digits[1:]
    # North American numbering plan: area code and exchange never start with 0 or 1.
    return len(digits) == 10 and digits[0] not in "01" and digits[3] not in "01"


def is_local_phone(candidate: str) -> bool:
    """True for a number that may be a phone number once the text says so (`detectors` asks
    for a word such as "call" or "phone" just before it): 7 to 15 digits (6 in three groups),
    8 to 15 after a `+`, not one repeated digit, and not shaped like a date or a time stamp."""
    stripped = _without_extension(candidate.strip())
    digits = digits_of(stripped)
    # Six digits only in three groups ("87 89 79"), the way short local numbers are written.
    grouped = stripped.count(" ") + stripped.count("-") >= 2
    low = 8 if stripped.startswith("+") else 6 if grouped else 7
    return low <= len(digits) <= 15 and len(set(digits)) > 1 and not _is_date_shaped(stripped)


def _without_extension(number: str) -> str:
    """`689.162.9226x7326` -> `689.162.9226`: an extension is not part of the number."""
    for mark in ("x", "ext"):
        number = number.split(mark, 1)[0]
    return number.rstrip(" .")


def _is_date_shaped(number: str) -> bool:
    """2003-08-26 17:23 or 26.08.2003: digit groups that read as a date, not a phone."""
    groups = [g for g in number.replace(".", " ").replace("-", " ").replace("/", " ").split() if g]
    lengths = [len(g) for g in groups][:3]
    if lengths == [4, 2, 2] and groups[0][:2] in ("19", "20"):
        return True
    return lengths == [2, 2, 4] and groups[2][:2] in ("19", "20")
