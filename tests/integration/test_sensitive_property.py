"""Sensitive data never leaves, whatever the request looks like and whatever fails.

Hypothesis builds conversations with one piece of PII (a Luhn-valid card number, an SSN, a
mod-97-valid IBAN, an e-mail address, an AWS access key, a private-key block, an HTTP bearer
token, a labelled passport number or Medicare identifier, another country's identity number
(DNI, CPF, Chinese resident ID, RRN, NIR, NINO), a special category of personal data said of
the writer or someone close: "I'm gay", "my husband is undocumented", the writer's postal
code, a birth date, a drug beside a full name: "Refill metformin for Maria Lopez.") placed
anywhere: in any message (system prompt, earlier user or assistant turns, a tool result, tool-call
arguments), as a string or a text part, at any word position. Each is sent with every forced
model, streamed or not, with the cache cold or primed by the same request, while the local
double succeeds or fails (500, 429, slow, reset mid-stream, malformed). Thresholds send every
non-sensitive request to the frontier, so only the sensitivity rule keeps these local.
The hosted double must receive nothing, and the client gets a local answer, a 403 (frontier
forced) or an error (local down) — never a frontier answer.
"""

from __future__ import annotations

import contextlib
import datetime
import string
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from router.app import create_app
from router.settings import Settings
from tests.fakes.server import serve_in_thread
from tests.fakes.upstream import UpstreamDouble
from tests.integration.conftest import ALL_FRONTIER, HOSTED_KEY, routing_for

MODELS = ("auto", "local", "frontier", "gpt-4.1", "smollm2-135m")
LOCAL_BEHAVIOURS = (
    "ok",
    "status:500",
    "status:429",
    "slow_first_byte:0.3",
    "reset_mid_stream",
    "malformed_json",
)
FILLER = "please review the following notes carefully and summarise them for the team today"


def luhn_complete(partial: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(partial)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return partial + str((10 - total % 10) % 10)


@st.composite
def card_numbers(draw: st.DrawFn) -> str:
    prefix = draw(st.sampled_from(["4", "51", "52", "53", "54", "55"]))
    body = draw(st.text("0123456789", min_size=15 - len(prefix), max_size=15 - len(prefix)))
    number = luhn_complete(prefix + body)
    sep = draw(st.sampled_from(["", " ", "-", "."]))
    return sep.join(number[i : i + 4] for i in range(0, 16, 4))


@st.composite
def ssns(draw: st.DrawFn) -> str:
    area = draw(st.integers(1, 899).filter(lambda a: a != 666))
    group, serial = draw(st.integers(1, 99)), draw(st.integers(1, 9999))
    ssn = f"{area:03d}-{group:02d}-{serial:04d}"
    digits = ssn.replace("-", "")
    if digits in {"078051120", "219099999", "123456789"} or len(set(digits)) == 1:
        ssn = "536-22-8174"  # the SSA's advertising numbers are (rightly) not SSNs
    return ssn


@st.composite
def ibans(draw: st.DrawFn) -> str:
    bban = draw(st.text("0123456789", min_size=18, max_size=18))  # German: 8 + 10 digits
    check = 98 - int(bban + "131400") % 97  # "DE00" moved to the end, letters as numbers
    iban = f"DE{check:02d}{bban}"
    return " ".join(iban[i : i + 4] for i in range(0, 22, 4)) if draw(st.booleans()) else iban


emails = st.builds(
    "{}@{}.{}".format,
    st.text(string.ascii_lowercase, min_size=3, max_size=10),
    st.text(string.ascii_lowercase, min_size=3, max_size=10),
    st.sampled_from(["com", "org", "io", "de"]),
)
aws_keys = st.builds(
    "AKIA{}".format, st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", min_size=16, max_size=16)
)
private_keys = st.builds(
    "-----BEGIN RSA PRIVATE KEY-----\n{}\n-----END RSA PRIVATE KEY-----".format,
    st.text(string.ascii_letters + string.digits + "+/", min_size=64, max_size=64),
)
bearer_tokens = st.builds(  # a letter and a digit, as a real token holds
    "Authorization: Bearer k7{}".format,
    st.text(string.ascii_letters + string.digits + "-._~", min_size=20, max_size=40),
)
passports = st.builds(
    "passport number {}".format, st.from_regex(r"[A-Z]{2}[0-9]{7}", fullmatch=True)
)
_MBI_LETTER = "[AC-HJKMNP-RT-Y]"  # CMS's Medicare Beneficiary Identifier: no S, L, O, I, B, Z
medicare_ids = st.builds(  # no run of four digits in it: no number window finds it
    "{}: {}".format,
    st.sampled_from(["Medicare number", "my MBI", "Medicare ID"]),
    st.from_regex(rf"[1-9]{_MBI_LETTER}[0-9AC-HJKMNP-RT-Y][0-9]-?{_MBI_LETTER}"
                  rf"[0-9AC-HJKMNP-RT-Y][0-9]-?{_MBI_LETTER}{{2}}[0-9]{{2}}", fullmatch=True)
    .filter(lambda mbi: mbi.count("-") != 1),  # dashed in both places or in neither
)  # fmt: skip


@st.composite
def national_ids(draw: st.DrawFn) -> str:
    """Another country's identity number, valid in its layout (`classifier.national_ids`)."""
    kind = draw(st.sampled_from(["dni", "cpf", "cn", "rrn", "nir", "nino"]))
    digits = draw(st.text("0123456789", min_size=12, max_size=12))
    if kind == "dni":
        return f"DNI {digits[:8]}{'TRWAGMYFPDXBNJZSQVHLCKE'[int(digits[:8]) % 23]}"
    if kind == "cpf":
        body = [int(c) for c in digits[:9]]
        if len(set(body)) == 1:
            body[0] = (body[0] + 1) % 10
        for n in (9, 10):
            body.append(sum(d * (n + 1 - i) for i, d in enumerate(body)) * 10 % 11 % 10)
        cpf = "".join(map(str, body))
        return f"CPF {cpf[:3]}.{cpf[3:6]}.{cpf[6:9]}-{cpf[9:]}"
    born = draw(
        st.dates(min_value=datetime.date(1920, 1, 1), max_value=datetime.date(2019, 12, 31))
    )
    if kind == "cn":
        first = f"110105{born:%Y%m%d}{digits[:3]}"
        weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
        total = sum(int(d) * w for d, w in zip(first, weights, strict=True))
        return first + "10X98765432"[total % 11]
    if kind == "rrn":
        return f"{born:%y%m%d}-{'1' if born.year < 2000 else '3'}{digits[:6]}"
    if kind == "nir":
        first = f"{1 + int(digits[0]) % 2}{born:%y%m}75{digits[1:7]}"
        return f"NIR {first}{97 - int(first) % 97:02d}"
    return f"NI number JG{digits[:6]}{'ABCD'[int(digits[6]) % 4]}"


special_categories = st.sampled_from(
    ["I'm gay and", "my husband is undocumented,", "I was arrested for DUI,",
     "we're Muslim and", "I have a criminal record,"]
)  # fmt: skip
postal_codes = st.builds(  # the writer's own, in US and Canadian shapes
    "my zip code is {}".format,
    st.from_regex(r"[0-9]{5}|[A-Z][0-9][A-Z] [0-9][A-Z][0-9]", fullmatch=True),
)
birth_dates = st.builds(
    lambda said, m, d, y: said.format(f"{m}/{d}/{y}"),
    st.sampled_from(["my date of birth is {}", "Your date of birth? It's {}", "DOB: {}"]),
    st.integers(1, 12), st.integers(1, 28), st.integers(1930, 2010),
)  # fmt: skip
named_prescriptions = st.builds(  # a health term beside a full name (`named_facts`)
    "Refill {} for {} {}.".format,
    st.sampled_from(["metformin", "insulin", "Truvada", "sertraline", "Humira"]),
    st.sampled_from(["Maria", "John", "Emily", "Ahmed"]),
    st.sampled_from(["Lopez", "Davies", "Novak", "Okafor"]),
)
named_debts = st.builds(  # a money fact beside a full name (`named_facts`)
    "Client {} {} has {}.".format,
    st.sampled_from(["Maria", "John", "Emily", "Ahmed"]),
    st.sampled_from(["Lopez", "Davies", "Novak", "Okafor"]),
    st.sampled_from(["a credit card debt of $18,200", "an overdraft of 2,340 EUR",
                     "mortgage arrears", "filed for bankruptcy"]),
)  # fmt: skip
# Digits as other scripts write them, the full-width forms a CJK input method types, no-break
# spaces and hyphens, zero-width spaces (`widths`): the same numbers must count the same
_ZEROS = {"full-width": 0xFF10, "arabic-indic": 0x0660, "persian": 0x06F0, "devanagari": 0x0966}


def in_script(text: str, script: str) -> str:
    if script == "full-width":  # every printable ASCII character has a full-width form
        return "".join(chr(ord(c) - 0x21 + 0xFF01) if "!" <= c <= "~" else c for c in text)
    if script == "no-break":  # as a word processor writes a number's spaces and hyphens
        return text.replace(" ", "\u00a0").replace("-", "\u2011")
    if script == "zero-width":  # as a page breaks a long string for wrapping
        return "\u200b".join(text[i : i + 4] for i in range(0, len(text), 4))
    return "".join(chr(_ZEROS[script] + int(c)) if c.isdigit() else c for c in text)


written_otherwise = st.builds(  # glued to Japanese or Korean words, as those are written
    lambda pii, script, glue: glue[0] + in_script(pii, script) + glue[1],
    st.one_of(card_numbers(), ssns(), ibans(), emails),
    st.sampled_from([*_ZEROS, "no-break", "zero-width"]),
    st.sampled_from([("", ""), ("\u756a\u53f7\u306f", "\u3067\u3059"),
                     ("\ubc88\ud638\ub294 ", "\uc785\ub2c8\ub2e4")]),
)  # fmt: skip
PII = st.one_of(
    card_numbers(),
    ssns(),
    ibans(),
    emails,
    aws_keys,
    private_keys,
    bearer_tokens,
    passports,
    medicare_ids,
    national_ids(),
    special_categories,
    postal_codes,
    birth_dates,
    named_prescriptions,
    named_debts,
    written_otherwise,
)


@dataclass(frozen=True)
class Case:
    messages: list[dict[str, Any]]
    pii: str
    model: str
    stream: bool
    cached: bool
    local: str


def conversation(with_tools: bool, with_system: bool, turns: int) -> list[dict[str, Any]]:
    messages: list[dict[str, Any]] = []
    if with_system:
        messages.append({"role": "system", "content": "You are a helpful assistant."})
    for i in range(turns):
        messages.append({"role": "user", "content": f"Earlier question number {i}."})
        messages.append({"role": "assistant", "content": f"Earlier answer number {i}."})
    if with_tools:
        call = {
            "id": "call_1",
            "type": "function",
            "function": {"name": "lookup", "arguments": '{"query": "the record"}'},
        }
        messages.append({"role": "assistant", "content": None, "tool_calls": [call]})
        messages.append({"role": "tool", "tool_call_id": "call_1", "content": "Record found."})
    messages.append({"role": "user", "content": "What should I do next?"})
    return messages


@st.composite
def cases(draw: st.DrawFn) -> Case:
    messages = conversation(draw(st.booleans()), draw(st.booleans()), draw(st.integers(0, 2)))
    pii = draw(PII)
    words = FILLER.split()
    at = draw(st.integers(0, len(words)))
    text = " ".join([*words[:at], pii, *words[at:]])
    target = messages[draw(st.integers(0, len(messages) - 1))]
    slot = draw(st.sampled_from(["content", "parts", "arguments"]))
    if slot == "arguments" and "tool_calls" in target:
        target["tool_calls"][0]["function"]["arguments"] = orjson.dumps({"query": text}).decode()
    elif slot == "parts":
        target["content"] = [{"type": "text", "text": text}]
    else:
        target["content"] = text
    return Case(
        messages,
        pii,
        draw(st.sampled_from(MODELS)),
        draw(st.booleans()),
        draw(st.booleans()),
        draw(st.sampled_from(LOCAL_BEHAVIOURS)),
    )


@dataclass
class Gateway:
    url: str
    local: UpstreamDouble
    hosted: UpstreamDouble


@contextlib.contextmanager
def gateway() -> Iterator[Gateway]:
    """One gateway stack for every example (hypothesis and function fixtures do not mix)."""
    with (
        UpstreamDouble(model_name="smollm2-135m") as local,
        UpstreamDouble(model_name="gpt-4.1") as hosted,
    ):
        routing = routing_for(
            local,
            hosted,
            thresholds=ALL_FRONTIER,
            upstream_overrides={
                "local-small": {"retries": 0, "breaker": {"failures": 1000, "cooldown": 0.1}}
            },
        )
        with tempfile.TemporaryDirectory() as tmp:
            settings_ = Settings.model_validate(
                {"launch_workers": False, "decision_log": Path(tmp) / "decisions.jsonl"}
            )
            app = create_app(settings_, routing, env={"HOSTED_KEY": HOSTED_KEY})
            with serve_in_thread(app) as root:
                yield Gateway(root, local, hosted)


def strings_in(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield k
            yield from strings_in(v)
    elif isinstance(value, list):
        for v in value:
            yield from strings_in(v)


def send(g: Gateway, case: Case) -> httpx.Response:
    body = {"model": case.model, "messages": case.messages, "stream": case.stream, "temperature": 0}
    return httpx.post(g.url + "/v1/chat/completions", json=body, timeout=20)


def wait_ready(g: Gateway) -> None:
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        if httpx.get(g.url + "/readyz", timeout=2).status_code == 200:
            return
        time.sleep(0.05)


def check(g: Gateway, case: Case) -> None:
    g.local.reset()
    g.hosted.reset()
    wait_ready(g)
    if case.cached:
        send(g, case)  # the same request answered once (or refused) before
    g.local.behaviour = case.local
    r = send(g, case)
    sent = list(strings_in(g.hosted.received))
    needle = case.pii.replace(" ", "").replace("-", "")
    assert not any(case.pii in s or needle in s.replace(" ", "").replace("-", "") for s in sent)
    assert g.hosted.hits["POST /v1/chat/completions"] == 0, case
    assert r.status_code in (200, 403, 429, 502, 503, 504), (r.status_code, r.text)
    if r.status_code == 200:
        assert r.headers["x-tiergate-tier"] == "local"
        assert r.headers["x-tiergate-reason"] == "sensitive"
    if r.status_code == 403:
        assert case.model in ("frontier", "gpt-4.1")
        assert r.json()["error"]["code"] == "sensitive_data"


def test_sensitive_data_never_reaches_the_hosted_upstream() -> None:
    with gateway() as g:

        @settings(
            max_examples=60,
            deadline=None,
            derandomize=False,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        )
        @given(case=cases())
        def property_holds(case: Case) -> None:
            check(g, case)

        property_holds()


def test_the_same_stack_sends_non_sensitive_requests_to_the_frontier() -> None:
    """The property above is not vacuous: without PII these requests do go to the frontier."""
    with gateway() as g:
        wait_ready(g)
        case = Case(conversation(True, True, 1), "", "auto", False, False, "ok")
        r = send(g, case)
        assert r.status_code == 200 and r.headers["x-tiergate-tier"] == "frontier"
        assert g.hosted.hits["POST /v1/chat/completions"] == 1
