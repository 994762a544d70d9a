from __future__ import annotations

import pytest

from classifier.detectors import Detectors, detect

_JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwia"
    "WF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
_PEM = "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx\nabc\n-----END RSA PRIVATE KEY-----"


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
        "sk-proj-Xi8tdMjHV6pmbBbwilTeT3BlbkFJ3UDnpdEwNNm6wVBpYM0o",
        "GR1348941gpsJo71bnku75uVXiCkN",
        "glptt-Need5_T00-be-exactly-40-chars--ELse_fail",
        "glimt-my-tokens_are-correctAB38",
        "AKCp8jQ8k2ZbB3dPz7Yt9uQ3",
        "AP6xxxxxxxxxx",
        "AKCxxxxxxxxxx",
        "cmVmdGtuOjAxOjE3MDAwMDAwMDA6" + "Ab3" * 15,
        "MTk4NjIyNDgzNDcxOTI1MjQ4.Cl2FMQ.ZnCjm1XVW7vRze4b7Cq4se7kKWs",
        "OTUyNED5MDk2MTMxNzc2MkEz.GSroKE.g2MTwve8OnUAAByz8KV_ZTV1Ipzg4o_NmQWUMs",
        "https://discord.com/api/webhooks/123456789012345678/" + "aB3_-x" * 11,
        "hf_" + "AbCdEfGhIj" * 3 + "KlMn",  # Hugging Face: 34 letters
        "api_org_" + "QwErTyUiOp" * 3 + "AsDf",
        "gsk_" + "a1B2c3D4e5" * 5 + "F6",  # Groq: 52
        "r8_" + "Z9y8X7w6V5" * 3 + "u4T3s2R",  # Replicate: 37
        "pplx-" + "0a1b2c3d4e5f" * 4,  # Perplexity: 48
        "xai-" + "Ab12Cd34Ef" * 8,  # xAI: 80
        "shpat_" + "0123456789abcdef" * 2,
        "dop_v1_" + "0123456789abcdef" * 4,
        "dapi" + "0123456789abcdef" * 2,
        "sq0csp-" + "Ab3_-x" * 7 + "Q",
        "ya29.a0AfH6SMBx3kT9-example_token_part",
        "AGE-SECRET-KEY-1" + "QPZRY9X8GF" * 5 + "2TVDW0S3",
        "PMAK-" + "0123456789abcdef01234567" + "-" + "0123456789abcdef" * 2 + "ab",
        "NRAK-" + "ABCDEFGHIJ0123456789KLMNOPQ",
        "lin_api_" + "aBcDeFgHiJ" * 4,
        "LTAI" + "4GwY6xC2zQ8vBn1LkP0r",
        "dp.pt." + "aBcDeFgHiJ" * 4 + "kLm",
        # the eleventh session's formats (fake values in each vendor's layout)
        "aB3" + "8Q~" + "xY_z.0-1~AbCdEfGhIjKlMnOpQrStUvW",  # Azure AD: 3, digit, Q~, 31
        "ABSK" + "QmVkcm9ja0FQSUtleS1" * 7,  # Bedrock, long-lived: 133 base64
        "bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t" + "Jk%3D" * 4,
        "lsv2_pt_" + "0123456789abcdef" * 2 + "_" + "0a1b2c3d4e",
        "pcsk_" + "4Yk8Zj_" + "AbCdEf0123" * 5,
        "tvly-dev-" + "AbCdEf0123" * 3 + "Gh",
        "dckr_pat_" + "AbCdEfGhIjKlMnOpQrStUvWx-_z",
        "hvs." + "CAESI" + "AbCd-_EfGh" * 9,
        "sntryu_" + "0123456789abcdef" * 4,
        "glsa_" + "AbCdEfGhIj" * 3 + "Kl_" + "0a1B2c3D",
        "glc_" + "eyJvIjoiMTIzNDU2IiwibiI6InN0YWNrLTEyMzQ1Ni1obS13cml0ZS1teS10b2tlbiJ9",
        "ntn_" + "12345678901" + "AbCdEfGhIj" * 3 + "KlMnO",
        "ATATT3xFfGF0" + "AbCd-_EfGh=" * 16 + "0123",
        "HRKU-AA" + "AbCdEfGhIj" * 5 + "Kl_-0123",
        "A3-ABC123-DEF456GHI78-JKL90-MNO12-PQR34",  # 1Password secret key
        "pscale_tkn_" + "AbCdEfGhIj" * 4,
        "pul-" + "0123456789abcdef" * 2 + "01234567",
        "pnu_" + "AbCdEfGhIj" * 3 + "KlMnOp",
        "rubygems_" + "0123456789abcdef" * 3,
        "xkeysib-" + "0123456789abcdef" * 4 + "-" + "AbCdEfGhIjKlMnOp",
        "xapp-1-A0123456789-1234567890123-" + "0123456789abcdef" * 2,
        "v1.0-" + "0123456789abcdef01234567" + "-" + "0123456789abcdef" * 9 + "01",
        "sha256~" + "AbCdEfGhIj" * 4 + "K-_",
        "dt0c01." + "ABCDEFGHIJKLMNOPQRSTUVWX" + "." + "AbCdEfGhIj" * 6 + "KlMn",
        "EAAA" + "AbCdEf0123" * 6 + "-_",  # Square
        "EAAC" + "AbCdEf0123" * 11,  # Meta
        "duffel_test_" + "AbCdEfGhIj" * 4 + "K_=",
        "EZAK" + "AbCdEf0123" * 5 + "GhIj",
        "fo1_" + "AbCdEfGhIj" * 4 + "K-_",
        "rdme_" + "abcdef0123" * 7,
        "tk-us-" + "AbCdEfGhIj" * 4 + "Kl-_0123",
        "CLOJARS_" + "abcdef0123" * 6,
        "AbCd12_" + "AbCdEfGhIj" * 2 + "AbCdEfGhI" + "_mmk",
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
        ("https://username:password@yelp.com", "password"),  # a URL's password is never a word
        ("X-JFrog-Art-Api: AKCxxxxxxxxxx", "AKCxxxxxxxxxx"),
        ('token = "AP6xxxxxxxxxx"', "AP6xxxxxxxxxx"),
        ("artif-key:AP6xxxxxxxxxx", "AP6xxxxxxxxxx"),
        # HTTP credentials pasted from curl commands and client code, PINs, "pw:"
        ('curl -H "Authorization: Bearer 8f3kLm29XqPzR7vT1wYb4NcD6eGh0JsA" https://x.io',
         "8f3kLm29XqPzR7vT1wYb4NcD6eGh0JsA"),
        ('headers = {"Authorization": "bearer 8f3kLm29XqPzR7vT1wYb4NcD6eGh0JsA"}',
         "8f3kLm29XqPzR7vT1wYb4NcD6eGh0JsA"),
        ("Authorization: Basic dXNlcjpwYXNzd29yZDEyMw==", "dXNlcjpwYXNzd29yZDEyMw=="),
        ("curl -u admin:S3cretPass! https://api.example.com", "S3cretPass!"),
        ('curl --user "deploy:Hx9!kq2Lm" https://api.example.com', "Hx9!kq2Lm"),
        ("redis://:myredispassword@redis.example.com:6379/0", "myredispassword"),
        ("my PIN is 4821, can you remember it", "4821"),
        ("My bank PIN: 0931", "0931"),
        ("PIN code 482913", "482913"),
        ("pw: Tr0ub4dor&3", "Tr0ub4dor&3"),
        ("My mother's maiden name is Okafor", "Okafor"),  # a security question's answer
        ("her maiden name was O'Brien.", "O'Brien"),
        ("my security answer is fluffy123", "fluffy123"),
        ("Security question answer: Chicago", "Chicago"),
    ],
)  # fmt: skip
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
        "https://${USER}:${PASSWORD}@git.example.com/repo.git",
        "https://deploy:<password>@git.example.com",
        "artifactory:_password=AP6xxxxxx",  # too short for a key, and a mask
        "password = 'abcXXXXXX'",  # a redacted value
        "testAKCwithinsomeirrelevantstring",
        "X-JFrog-Art-Api: $API_KEY",
        "The APACHEFOUNDATION and APB123 headings",
        "sk-proj-Xi8tdMjHV6pmbBbwilTeT4BlbkFJ3UDnpdEwNNm6wVBpYM0o",  # no OpenAI marker
        "GR1348941helloWord0",  # runner token too short
        "glptt-hellOworld380_testin",  # trigger tokens are exactly 40 characters
        "gloas-checking_Length-Is-checking_Length-Is-",
        "glsoat-PREfix_helloworld380_testin_pretty_long_token_long_",
        "MTAyOTQ4MTN5OTU5MTDwMEcxNg0.GSwJyi.sbaw8msOR3Wi6vPUzeIWy_P0vJbB0UuRVjH8l8",
        "PZ1yGvKTjE0rY0cV8i47CjAa.uRHQPq.Xb1Mk2nEhe-4iUcrGOuegj57zMC",
        "https://discord.com/api/webhooks/123/short",
        "self.hf_model_name_or_path_for_tokenizer = x",  # an identifier, with "_" inside
        "hf_" + "AbCdEfGhIj" * 3 + "Klm",  # 33 letters
        "gsk_" + "a1B2c3D4e5" * 4,  # 40: too short for a Groq key
        "model_r8_" + "Z9y8X7w6V5" * 3 + "u4T3s2R",  # inside a longer identifier
        "shpat_" + "0123456789abcdeg" * 2,  # not hex
        "NRAK-" + "abcdefghij0123456789klmnopq",  # lower case
        "lsv2_pt_" + "0123456789abcdef" * 2,  # no second part
        "see dckr_pat_ in the Docker docs and pcsk_ keys",  # prefixes alone
        "ntn_abcdefghijk" + "AbCdEfGhIj" * 3 + "KlMnO",  # letters where the digits go
        "sha256~shortvalue and tk-us-short",
        "EAAAbCd and EZAK123",  # too short
        "a3-abc123-def456ghi78-jkl90-mno12-pqr34",  # lower case
        "my_var_8Q~x the Q~ key",  # too short for an Azure secret
        # HTTP credential placeholders, prose, and PIN look-alikes
        "Authorization: Bearer $TOKEN",
        "Authorization: Bearer your_token_here",
        "Authorization: Bearer <token>",
        "Use the header Authorization: Bearer followed by your token",
        "Bearer abcdefghijklmnopqrstuvwxyz tokens hold no digit here",
        "a basic understanding of calculus and basic arithmetic",
        "Authorization: Basic aGVsbG8gd29ybGQ=",  # base64 of "hello world": no colon
        "pip install -U requests; multi-user and non-unique",
        "curl -u $USER:$PASS https://x",
        "the pin 13 on the arduino is 5V",  # two digits
        "pin 12.5 mm, pin 2024-01-03, pin 1,000 rows",  # a decimal, a date, an amount
        "shopping 1234 items; Spin 1234 times",  # "pin" inside a word
        "pwned 12345 accounts",
        "The maiden name is important for genealogy",  # prose after "maiden name is"
        "the security answer is case-sensitive",
        "What is a good security question answer?",
    ],
)
def test_placeholders_references_and_lookalikes_are_not_secrets(
    text: str, detectors: Detectors
) -> None:
    assert all(kind != "SECRET" for kind, _, _ in detect(text, detectors))


def test_short_artifactory_key_found_in_prose(detectors: Detectors) -> None:
    text = "our key AP6xxxxxxxxxx stopped working"
    assert [(k, text[s:e]) for k, s, e in detect(text, detectors)] == [("SECRET", "AP6xxxxxxxxxx")]
