from __future__ import annotations

import pytest

from classifier.detectors import Detectors, build_detectors, detect

_JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwia"
    "WF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
_PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx\nabc\n-----END RSA PRIVATE KEY-----"


@pytest.fixture(scope="module")
def detectors() -> Detectors:
    return build_detectors()


@pytest.mark.parametrize(
    "secret",
    [
        _PEM,
        _JWT,
        "AKIAIOSFODNN7EXAMPLE",
        "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",
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
        "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",
        "sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123456789",
        "xoxb-123456789012-abcdefghijkl",
        "sk_live_ReTllpYQYfIZu2Jnf2lAPFjD",
        "rk_live_5TcWfjKmJgpql9hjpRnwRXbT",
        "AIzaSyA1234567890abcdefghijklmnopqrstuv",
        "glpat-hellOworld380_testin",
        "npm_abcdefghijklmnopqrstuvwxyz0123456789",
        "pypi-AgEIcHlwaS5vcmc" + "A" * 120,
        "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",
        "SK0123456789abcdef0123456789abcdef",
        "AC0123456789abcdef0123456789abcdef",
    ],
)
def test_secret_formats_found_with_exact_offsets(secret: str, detectors: Detectors) -> None:
    text = f"config:\n {secret} \nend"
    start = text.index(secret)
    assert ("SECRET", start, start + len(secret)) in detect(text, detectors)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("password=Tr0ub4dor&3", "Tr0ub4dor&3"),
        ('db_passwd: "s3cr3t-value"', "s3cr3t-value"),
        ("API_KEY = 'abcd1234efgh'", "abcd1234efgh"),
        ("the password is W!nter2024", "W!nter2024"),
        ("https://admin:Pa55w0rd@db.internal:5432/app", "Pa55w0rd"),
        ("login bob@corp.com / Qr7!dke#39", "Qr7!dke#39"),
    ],
)
def test_credential_assignments_report_the_value(
    text: str, value: str, detectors: Detectors
) -> None:
    start = text.index(value)
    assert ("SECRET", start, start + len(value)) in detect(text, detectors)


@pytest.mark.parametrize(
    "text",
    [
        "def login(password: str, api_key: Optional[str]) -> None:",
        "password = os.environ['DB_PASSWORD']",
        "api_key=${OPENAI_API_KEY}",
        "Please reset your password before Monday.",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9",  # a header alone is not a token
        "pk_live_j5krY8XTgIcDaHDb3YrsAfCl",  # publishable, not secret
        "https://url:8000 @something else",
        "user.password = newPassword",  # a variable, not a literal
    ],
)
def test_placeholders_references_and_lookalikes_are_not_secrets(
    text: str, detectors: Detectors
) -> None:
    assert all(kind != "SECRET" for kind, _, _ in detect(text, detectors))
