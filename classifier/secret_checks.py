"""What a secret rule's match must also be to count (`credentials.SecretRule.check`): a JWT
whose segments decode, a literal rather than a placeholder, reference or mask, a password that
looks like one, Basic credentials that decode to `user:password`.
"""

from __future__ import annotations

import base64
import binascii
import json


def is_jwt(token: str) -> bool:
    """A JWT's first two segments are base64url JSON objects; the header names an algorithm."""
    parts = token.split(".")
    try:
        decoded = [
            json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
            for part in parts[:2]
        ]
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return False
    return all(isinstance(d, dict) for d in decoded) and "alg" in decoded[0]


_PLACEHOLDERS = frozenset(
    [
        "str",
        "string",
        "none",
        "null",
        "nil",
        "true",
        "false",
        "undefined",
        "optional",
        "required",
        "password",
        "passwd",
        "secret",
        "token",
        "changeme",
        "example",
        "redacted",
        "hidden",
        "xxxx",
        "xxxxxx",
        "********",
        "your_password",
        "your_api_key",
        "int",
        "bool",
        "bytes",
        "any",
    ]
)


_TYPE_NAMES = frozenset(
    ["optional", "list", "dict", "union", "secretstr", "secretbytes", "number", "annotated"]
)


def is_real_value(value: str) -> bool:
    """Reject placeholders and references: $VAR, ${VAR}, <key>, {{ key }}, env lookups, types."""
    lowered = value.strip("\"'`").lower()
    if len(lowered) < 4 or lowered in _PLACEHOLDERS or lowered[0] in "$<{%(*[@":
        return False
    if lowered.startswith(("os.", "env", "process.env", "self.", "config", "settings", "get")):
        return False
    if lowered.split("[", 1)[0] in _TYPE_NAMES:  # an annotation such as Optional[str]
        return False
    return not _is_masked(lowered)


def is_security_answer(value: str) -> bool:
    """The answer to a security question (a mother's maiden name, a first pet): a capitalised
    word ("Okafor", "O'Brien", "Ng") or a value a password could be ("fluffy123"); not a
    placeholder or a mask. A lower-case word ("important", "case-sensitive") is prose."""
    lowered = value.lower()
    if len(value) < 2 or lowered in _PLACEHOLDERS or _is_masked(lowered):
        return False
    word = value.replace("'", "").replace("-", "")
    return (value[0].isupper() and word.isalpha()) or is_password_like(value)


def _is_masked(lowered: str) -> bool:
    """`xxxx`, `****`, `abcXXXX`: a redacted or template value, not a credential."""
    return set(lowered) <= set("x*.-_") or "xxxx" in lowered or "****" in lowered


def is_url_password(value: str) -> bool:
    """The password of `scheme://user:password@host`: any literal counts, even the word
    "password" (a URL holding credentials leaks them whatever they are); references such as
    `${PASS}`, `<password>`, `%s` or `{{ pw }}` and masks do not."""
    lowered = value.lower()
    return bool(lowered) and lowered[0] not in "$<{%(*[" and not _is_masked(lowered)


def has_openai_marker(token: str) -> bool:
    """OpenAI's project, service-account and admin keys embed `T3BlbkFJ` (base64 "OpenAI")."""
    return "T3BlbkFJ" in token


def is_not_a_word(token: str) -> bool:
    """An Artifactory key body is random base62: an all-capital run such as `APACHEFOUNDATION`
    is a word, not a key."""
    return not token.isupper() or any(ch.isdigit() for ch in token)


def is_assigned_literal(value: str) -> bool:
    """An unquoted value made only of letters, `_` and `.` is a variable (`password=new_pw`,
    `key: settings.key`) in code, not a literal; quoted values and anything with digits or
    symbols are taken as literals."""
    quoted = value[:1] in "\"'"
    if not quoted and value.replace("_", "a").replace(".", "a").isalpha():
        return False
    return is_real_value(value)


def is_bearer_token(token: str) -> bool:
    """An HTTP bearer token (RFC 6750) is random: it holds a letter and a digit, and is not a
    reference or a mask. `your_token_here` and `<token>` are not tokens."""
    has_digit = any(ch.isdigit() for ch in token)
    return has_digit and any(ch.isalpha() for ch in token) and is_real_value(token)


def is_basic_credentials(value: str) -> bool:
    """`Authorization: Basic <value>` (RFC 7617): the value is base64 of `user:password`, so it
    decodes to printable text whose password part is a literal."""
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return False
    _, colon, password = decoded.partition(":")
    return bool(colon) and decoded.isprintable() and is_url_password(password)


def is_password_like(value: str) -> bool:
    """A bare password (after the word 'password', or after 'user@host /') must look like one:
    a letter plus a digit or a symbol, and not a placeholder."""
    if not any(ch.isalpha() for ch in value) or not is_real_value(value):
        return False
    if any(ch.isdigit() for ch in value):
        return True
    mixed_case = any(ch.isupper() for ch in value) and any(ch.islower() for ch in value)
    return mixed_case and any(ch in "!@#$%^&*+=?~" for ch in value)
