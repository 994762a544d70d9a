"""The secret scan's gates (which rules run, and where) never drop a match: the gated scan
equals trying every rule in every run."""

from __future__ import annotations

import dataclasses
import functools
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from classifier import credentials, native, secret_scan, windows
from classifier.detectors import ascii_lower

_FRAGMENTS = [
    "AKIAIOSFODNN7EXAMPLE",
    "AKCp8jQ8k2ZbB3dPz7Yt9uQ3",
    "AP6xBk29cQz7LmW",
    "API",
    "APACHEFOUNDATION",
    "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",
    "sk-Xi8tcNiHV9awbCcvilTeT3BlbkFJ3UDnpdEwNNm6wVBp",
    "xoxb-123456789012-abcdefghijkl",
    "AIzaSyA1234567890abcdefghijklmnopqrstuv",
    "glpat-hellOworld380_testin",
    "npm_abcdefghijklmnopqrstuvwxyz0123456789",
    "_authToken=0f6c2a1e-93b1-4c43",
    "password",
    "=",
    "password: Hunter2!x",
    "api_key = 'q8Zr2LmX91'",
    "admin@example.com / S3cret!pw",
    "://",
    "@",
    "postgres://bob:pa55word@db.local/x",
    "é",
    "ü漢",
    "\n",
    " ",
    "  ",
    "key",
    "token",
    ":",
    "AccountKey=",
    "-----BEGIN PRIVATE KEY-----",
    "eyJhbGciOiJIUzI1NiJ9",
    ".",
    "gh",
    "gl",
    "SK",
    "AC",
    "-us",
    "aB38Q~",
    "xY_z.0-1~AbCdEfGhIjKlMnOpQrStUvW",
    "glsa_",
    "EAAA",
    "A3-ABC123-DEF456GHI78",
    "-JKL90-MNO12-PQR34",
    "_mmk",
    "0123456789abcdef",
]


@functools.cache
def _index() -> secret_scan.SecretIndex:
    return secret_scan.build_index(credentials.build_rules())


def _scan(text: str, gated: bool) -> list[tuple[int, int]]:
    view = windows.ascii_view(text)
    assert view.lower() == ascii_lower(text)
    return sorted(secret_scan.find_secrets(text, view, view.lower(), _index(), gated))


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_FRAGMENTS) | st.text(max_size=6), max_size=40))
def test_gated_scan_equals_every_rule_everywhere(parts: list[str]) -> None:
    text = "".join(parts)
    assert _scan(text, gated=True) == _scan(text, gated=False)


def test_every_rule_is_reachable_from_a_literal() -> None:
    index = _index()
    reached = {i for rules in index.rules_of.values() for i in rules}
    assert reached == set(range(len(index.rules)))
    assert set(index.needles) | set(index.keywords) == set(index.rules_of)


def test_keys_next_to_non_ascii_text_are_found() -> None:
    text = "Schlüssel: AKCp8jQ8k2ZbB3dPz7Yt9uQ3 und AKIAIOSFODNN7EXAMPLE — 漢字"
    found = {text[s:e] for s, e in _scan(text, gated=True)}
    assert found == {"AKCp8jQ8k2ZbB3dPz7Yt9uQ3", "AKIAIOSFODNN7EXAMPLE"}


def test_an_all_capital_word_after_ap_is_not_an_artifactory_key() -> None:
    assert _scan("Use the APACHEFOUNDATION API with APIKEYS", gated=True) == []


_PHRASES = ["password", "Password", "PASSWD", "passcode", "pwd", " is ", ": ", "=", "'",
            "set to", "Hunter2!x", "s3cr3t-Pw", "newPassword", "getPassword()", "\n", " ", "é",
            "x", "_"]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_PHRASES) | st.text(max_size=4), max_size=30))
@example(["password is Hunter2!x, Password: s3cr3t-Pw and pwd=Hunter2!x"])
@example(["getPassword() returns password 'Hunter2!x'\nPASSWD s3cr3t-Pw"])
def test_rules_headed_at_their_keyword_match_as_the_window_search_does(parts: list[str]) -> None:
    text = "".join(parts)
    rules = [rule for rule in credentials.build_rules() if rule.head_at_keyword]
    assert rules, "password_phrase is headed at its keyword"
    view = windows.ascii_view(text)
    for rule in rules:
        at_keyword = secret_scan.build_index((rule,))
        windowed = secret_scan.build_index((dataclasses.replace(rule, head_at_keyword=False),))
        assert sorted(secret_scan.find_secrets(text, view, view.lower(), at_keyword)) == sorted(
            secret_scan.find_secrets(text, view, view.lower(), windowed)
        )


@pytest.mark.parametrize("needle", ["two words", "café", "a?b", ""])
def test_a_needle_that_no_run_of_the_ascii_view_could_hold_is_refused(needle: str) -> None:
    """Needles are sought in whitespace-free runs of the text's ASCII view, where "?" stands
    for every non-ASCII character: a needle with a space would never be found, one with a
    non-ASCII character or a "?" would be found in the wrong places."""
    rule = dataclasses.replace(credentials.build_rules()[0], needles=(needle,), keywords=())
    with pytest.raises(ValueError, match="one ASCII word"):
        secret_scan.build_index((rule,))


_RUN_TEXT = st.lists(
    st.sampled_from([*"AKCPakc.?-_ x\t\n\x85\xa0\u2003é漢", "AKIA", "sk-"]), max_size=60
).map("".join)
_NEEDLES = st.lists(st.text(alphabet="AKCPakc.-_", min_size=1, max_size=4), max_size=8)


def _runs_reference(
    text: str, needles: list[str], minimum: int
) -> dict[str, list[tuple[int, int]]]:
    view = windows.ascii_view(text)
    found: dict[str, list[tuple[int, int]]] = {}
    for match in re.finditer(r"\S+", text):
        if match.end() - match.start() >= minimum:
            for needle in dict.fromkeys(needles):
                if needle in view[match.start() : match.end()]:
                    found.setdefault(needle, []).append(match.span())
    return found


@settings(max_examples=400, deadline=None)
@given(text=_RUN_TEXT, needles=_NEEDLES, minimum=st.integers(1, 20))
@example(text="x AKIAQ é AKIA\u2003AKIA .AK", needles=["AKIA", "."], minimum=3)
def test_needle_runs_are_the_long_runs_that_hold_each_needle(
    text: str, needles: list[str], minimum: int
) -> None:
    view, unique = windows.ascii_view(text), tuple(dict.fromkeys(needles))
    want = _runs_reference(text, needles, minimum)
    got = secret_scan.needle_runs(text, view, unique, minimum)
    assert got == want
    if native.kernels is not None:  # and the reference path, which the C kernel replaces
        kernels = native.kernels
        try:
            native.kernels = None
            assert secret_scan.needle_runs(text, view, unique, minimum) == want
        finally:
            native.kernels = kernels


@settings(max_examples=200, deadline=None)
@given(
    text=_RUN_TEXT,
    needles=st.lists(st.text(alphabet="AKCPakc.-_", min_size=1, max_size=3), min_size=65,
                     max_size=128, unique=True),
)  # fmt: skip
def test_needle_runs_seek_up_to_128_needles(text: str, needles: list[str]) -> None:
    """Past 64 needles the kernel's masks take a second word: needles 64-127 are found too."""
    view = windows.ascii_view(text)
    assert secret_scan.needle_runs(text, view, tuple(needles), 1) == _runs_reference(
        text, needles, 1
    )
