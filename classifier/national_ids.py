"""National identity numbers of other countries, validated where they carry a check.

An SSN is found without a label because its shape and the SSA's ranges leave little doubt;
these are the same for other large countries, in the layouts their authorities publish:
- Spain: DNI (8 digits and a check letter, mod 23) and NIE (X, Y or Z, 7 digits, the letter);
- Brazil: CPF written as 000.000.000-00 (two mod-11 check digits);
- China: resident identity number (17 digits and a check digit or X, ISO 7064 MOD 11-2, with
  the birth date in it);
- South Korea: resident registration number YYMMDD-SNNNNNN (a real birth date; the check digit
  is not tested: numbers issued since October 2020 carry none);
- France: NIR / numéro de sécurité sociale (15 digits, the last two 97 - N mod 97; written
  whole, with its key apart, or in the usual groups "1 85 05 78 006 084 91");
- United Kingdom: National Insurance number (two letters in the allowed series, six digits,
  A-D).
Each is a `NATIONAL_ID`, a hard entity like an SSN. Each holds a run of at least six digits,
so each is sought only at the runs of digits `numeric.number_runs` finds, and only where one
of the layouts can start (`id_starts`, one C pass over the runs): a table of decimals costs
no pattern call. Bare numbers with a weaker check (Aadhaar, BSN, SIN, Steuer-ID) are left to
the labelled-ID rule (`context`), where their label says what they are.
"""

from __future__ import annotations

import datetime
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass

from classifier import native, windows

Span = tuple[str, int, int]
KIND = "NATIONAL_ID"

_DNI_LETTERS = "TRWAGMYFPDXBNJZSQVHLCKE"
_CN_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CN_CHECKS = "10X98765432"


@dataclass(frozen=True, slots=True)
class NationalIds:
    """The layouts as one pattern, a named group each (`build`)."""

    pattern: re.Pattern[str]


def build() -> NationalIds:
    nino_letters = "(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z]"
    return NationalIds(
        re.compile(
            r"(?<![\w-])(?:"
            r"(?P<es_dni>\d{8}-?[A-Za-z])"
            r"|(?P<es_nie>[XYZxyz]-?\d{7}-?[A-Za-z])"
            r"|(?P<br_cpf>(?<!\.)\d{3}\.\d{3}\.\d{3}-\d{2}(?!-\d|\.\d))"
            r"|(?P<cn_id>\d{17}[\dXx])"
            r"|(?P<kr_rrn>\d{6}-[1-8]\d{6})"
            r"|(?P<fr_nir>[12](?:\d{12} ?| \d{2} \d{2} \d{2} \d{3} \d{3} )\d{2})"
            rf"|(?P<uk_nino>{nino_letters} ?\d{{2}} ?\d{{2}} ?\d{{2}} ?[A-D])"
            r")(?![\w-])"
        )
    )


def is_es_dni(value: str) -> bool:
    number, letter = value[:8], value[-1].upper()
    return _DNI_LETTERS[int(number) % 23] == letter


def is_es_nie(value: str) -> bool:
    digits = "XYZ".index(value[0].upper()) * 10_000_000 + int(value.replace("-", "")[1:8])
    return _DNI_LETTERS[digits % 23] == value[-1].upper()


def is_br_cpf(value: str) -> bool:
    digits = [int(c) for c in value if c.isdigit()]
    if len(set(digits)) == 1:  # 000.000.000-00 and the like pass the checks
        return False
    for n in (9, 10):
        check = sum(d * (n + 1 - i) for i, d in enumerate(digits[:n])) * 10 % 11 % 10
        if check != digits[n]:
            return False
    return True


def _is_date(year: int, month: int, day: int) -> bool:
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    return True


def is_cn_resident_id(value: str) -> bool:
    digits = value[:17]
    year, month, day = int(digits[6:10]), int(digits[10:12]), int(digits[12:14])
    if not 1900 <= year <= 2099 or not _is_date(year, month, day):
        return False
    total = sum(int(d) * w for d, w in zip(digits, _CN_WEIGHTS, strict=True))
    return _CN_CHECKS[total % 11] == value[17].upper()


def is_kr_rrn(value: str) -> bool:
    century = {"1": 1900, "2": 1900, "5": 1900, "6": 1900}.get(value[7], 2000)
    return _is_date(century + int(value[:2]), int(value[2:4]), int(value[4:6]))


def is_fr_nir(value: str) -> bool:
    digits = value.replace(" ", "")
    month = int(digits[3:5])
    if not (1 <= month <= 12 or 20 <= month <= 42 or 50 <= month <= 99):
        return False
    return 97 - int(digits[:13]) % 97 == int(digits[13:])


_VALID: dict[str, Callable[[str], bool]] = {
    "es_dni": is_es_dni,
    "es_nie": is_es_nie,
    "br_cpf": is_br_cpf,
    "cn_id": is_cn_resident_id,
    "kr_rrn": is_kr_rrn,
    "fr_nir": is_fr_nir,
    "uk_nino": lambda value: True,  # the letter series are the check (`build`)
}


def _digit_led(text: str, p: int) -> bool:
    """`ids.c`'s `digit_led`: a layout that opens with digits can start at p."""
    if p > 0 and (text[p - 1].isalnum() or text[p - 1] in "_-"):
        return False
    k = 0
    while k < 19 and p + k < len(text) and _is_digit(text[p + k]):
        k += 1
    after = text[p + k : p + k + 1]
    return (
        k in (8, 13, 15, 17, 18)
        or (k == 3 and after == ".")
        or (k == 6 and after == "-")
        or (k == 1 and text[p] in "12" and after == " ")
    )


def _is_digit(ch: str) -> bool:
    return ch.isdecimal()  # `re`'s `\d`


def starts_reference(text: str, runs: list[windows.Window]) -> list[int]:
    """Where the pattern can begin a match (`id_starts` in C, which this is the reference
    for): an NIE's or a NINO's letters one to three characters before a run, and the digits of
    a run that open a layout."""
    found: list[int] = []
    for start, end in runs:
        found += [p for p in range(max(0, start - 3), start) if _letter_led(text, p, start)]
        found += [p for p in range(start, end) if _is_digit(text[p]) and _digit_led(text, p)]
    return found


_NIE_LETTERS = ("X", "Y", "Z", "x", "y", "z")


def _letter_led(text: str, p: int, start: int) -> bool:
    """`ids.c`'s `letter_led`: an NIE's letter or a NINO's two capitals can start at p, before
    the run at `start` (right before it, or before a "-" or a space there)."""
    head = text[p : p + 3]
    upper = len(head) >= 2 and "A" <= head[0] <= "Z" and "A" <= head[1] <= "Z"
    if p == start - 1:
        return head[:1] in _NIE_LETTERS
    if p == start - 2:
        return (head[:1] in _NIE_LETTERS and head[1:2] == "-") or upper
    return upper and head[2:3] == " "


def find(text: str, ids: NationalIds, runs: list[windows.Window]) -> list[Span]:
    """The validated national identity numbers around the digit runs `runs`: the pattern is
    tried only where a match can start (`id_starts`), and a match moves the search on to its
    end, as `finditer` would."""
    if not runs:
        return []
    if native.kernels is not None:
        raw = native.kernels.id_starts(text, runs)
        starts = sorted({at for (at,) in struct.iter_unpack("q", raw)}) if raw else []
    else:
        starts = sorted(set(starts_reference(text, runs)))
    found: list[Span] = []
    resume = 0
    for at in starts:
        if at < resume or not (m := ids.pattern.match(text, at)):
            continue
        resume = m.end()
        kind = m.lastgroup
        if kind is not None and _VALID[kind](m.group()):
            found.append((KIND, *m.span()))
    return found
