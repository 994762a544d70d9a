"""Secret detectors: API keys, tokens, private keys, credentials in URLs and assignments.

Every rule is a regex with a cheap literal prefilter (`needle in text` runs at memchr speed), so
a prompt that mentions no key prefix costs a few substring scans instead of a dozen regex
passes. Vendor formats come from the vendors' published token layouts; where a format has an
internal check (a JWT's header is base64url JSON) the rule verifies it (`secret_checks`).
Everything here is a SECRET entity, which `Scores.hard_entity` treats as sensitive whatever
the threshold.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from classifier import secret_checks as checks

SECRET = "SECRET"


@dataclass(frozen=True, slots=True)
class SecretRule:
    """One secret format: literals one of which every match contains, the pattern, a check.

    `group` selects the reported span (0: the whole match, 1: only the value of an assignment).
    `keywords` marks rules whose matches may contain spaces: they run in windows around each
    (lower-cased) keyword instead of inside long tokens.
    """

    name: str
    needles: tuple[str, ...]
    pattern: re.Pattern[str]
    check: Callable[[str], bool] | None = None
    group: int = 0
    keywords: tuple[str, ...] = ()
    reach: int = 300  # how far past a keyword a match may end
    operators: str = ""  # when set, a keyword is an anchor only if one of these follows soon
    min_length: int = 16  # shortest whitespace-free run a match can sit in
    # A keyword rule whose match starts next to its keyword (a name and an operator) but may run
    # on for `reach` characters: `head` is sought in a tight window around each keyword and the
    # whole pattern is matched only where a head starts, instead of scanning `reach` characters.
    head: re.Pattern[str] | None = None
    # Every head starts with one of the keywords ("password" with "passw"): the whole pattern is
    # then tried only at the keywords' starts, with no window search at all.
    head_at_keyword: bool = False


def _rule(
    name: str,
    needles: str,
    regex: str,
    check: Callable[[str], bool] | None = None,
    group: int = 0,
    keywords: str = "",
    operators: str = "",
    min_length: int = 16,
    head: str = "",
    reach: int = 300,
    head_at_keyword: bool = False,
) -> SecretRule:
    # keywords are split at spaces; a NUL inside one stands for a space it holds ("-u\0")
    return SecretRule(name, tuple(needles.split()), re.compile(head + regex), check, group,
                      tuple(k.replace("\0", " ") for k in keywords.split()), reach, operators,
                      min_length, re.compile(head) if head else None, head_at_keyword)  # fmt: skip


_B = r"(?<![A-Za-z0-9_-])"  # token start: not inside a longer identifier
_E = r"(?![A-Za-z0-9_-])"  # token end

_ASSIGNED_NAMES = (
    r"pass(?:word|wd|phrase)?|pwd|secret(?:[_-]?key)?|api[_-]?key|apikey|access[_-]?key(?:[_-]?id)?"
    r"|auth[_-]?token|access[_-]?token|client[_-]?secret|private[_-]?key|aws_secret_access_key"
)


def build_rules() -> tuple[SecretRule, ...]:
    """The secret rules, compiled. Called once per Classifier; nothing is compiled at import."""
    return (
        _rule("private_key", "PRIVATE", r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----"
              r"(?:[\s\S]{0,8000}?-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----)?",
              keywords="private", reach=8200),  # the key block may run to ~8,000 characters
        _rule("jwt", "eyJ", _B + r"eyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*)?",
              checks.is_jwt),
        _rule("aws_access_key", "AKIA ASIA ABIA ACCA", r"\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b"),
        _rule("github", "gh", _B + r"gh[pousr]_[A-Za-z0-9]{36,255}" + _E),
        _rule("github_pat", "github_pat_", _B + r"github_pat_[A-Za-z0-9_]{22,255}" + _E),
        _rule("anthropic", "sk-ant-", _B + r"sk-ant-[a-z]+\d*-[A-Za-z0-9_-]{20,}" + _E),
        _rule("openai_project", "sk-", _B + r"sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{20,}" + _E,
              checks.has_openai_marker),
        # Bare `sk-` keys: OpenAI's legacy keys and many other vendors' (DeepSeek, OpenRouter).
        _rule("sk_key", "sk-", _B + r"sk-(?!proj-|svcacct-|admin-)[A-Za-z0-9_-]{20,}" + _E),
        _rule("slack", "xox", _B + r"xox[baprs]-[A-Za-z0-9-]{10,}" + _E),
        _rule("slack_webhook", "hooks.slack.com",
              r"https://hooks\.slack\.com/services/[A-Za-z0-9_/]{20,}"),
        _rule("stripe", "k_live_", _B + r"[sr]k_live_[A-Za-z0-9]{16,}" + _E),
        _rule("google_api_key", "AIza", _B + r"AIza[0-9A-Za-z_-]{35}" + _E),
        # GitLab's token prefixes and lengths (docs.gitlab.com, "Token prefixes"); GR1348941 is
        # the runner registration token's prefix.
        _rule("gitlab", "gl GR1348941", _B + r"(?:(?:glpat|gldt|glft|glsoat|glrt|glffct)-"
              r"[A-Za-z0-9_-]{20,50}|glcbt-(?:[0-9a-fA-F]{1,5}_)?[A-Za-z0-9_-]{20,50}"
              r"|glimt-[A-Za-z0-9_-]{25}|glptt-[A-Za-z0-9_-]{40}|gloas-[A-Za-z0-9_-]{64}"
              r"|glagent-[A-Za-z0-9_-]{50,1024}|GR1348941[A-Za-z0-9_-]{20,50})" + _E),
        # JFrog Artifactory: API keys start AKC, identity/access tokens AP[0-9A-F]; reference
        # tokens are base64 of "reftkn:01:". Short runs: the keys may sit in 11-character tokens.
        _rule("artifactory", "AKC AP",
              r"(?<![A-Za-z0-9])(?:AKC[A-Za-z0-9]{10,}"
              r"|AP[0-9A-F][A-Za-z0-9]{8,})(?![A-Za-z0-9])", checks.is_not_a_word, min_length=11),
        _rule("artifactory_reference", "cmVmdGtuOjAxOj", _B + r"cmVmdGtuOjAxOj[A-Za-z0-9]{40,}"),
        _rule("npm_token", "npm_", _B + r"npm_[A-Za-z0-9]{36}" + _E),
        _rule("npm_authtoken", "_authToken", r"_authToken\s*=\s*([^\s$'\"]{8,})", group=1,
              keywords="_authtoken"),
        _rule("pypi", "pypi-", _B + r"pypi-AgE[A-Za-z0-9_-]{100,}"),
        _rule("sendgrid", "SG.", _B + r"SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}" + _E),
        _rule("twilio", "SK AC", _B + r"(?:SK|AC)[0-9a-z]{32}" + _E),
        _rule("mailchimp", "-us", r"\b[0-9a-f]{32}-us\d{1,2}\b", min_length=35),
        _rule("telegram", ":AA", r"(?<![\w:])\d{8,10}:AA[0-9A-Za-z_-]{32,33}" + _E,
              min_length=43),
        # Discord bot token: base64 user id, timestamp, HMAC. No left boundary: ids may encode
        # to a 24-26 character segment that starts inside the run (detect-secrets issue 627).
        _rule("discord", ".", r"[MNO][A-Za-z0-9_-]{23,25}\.[A-Za-z0-9_-]{6}"
              r"\.[A-Za-z0-9_-]{27,}", min_length=59),  # "." is in many runs: skip the short
        _rule("discord_webhook", "discord", r"https://(?:(?:ptb|canary)\.)?discord(?:app)?\.com"
              r"/api/webhooks/\d{17,20}/[A-Za-z0-9_-]{60,68}"),
        # AI platforms' keys, which a gateway's users hold and paste most (the layouts their
        # consoles issue): Hugging Face user and organisation tokens, Groq, Replicate,
        # Perplexity, xAI.
        _rule("huggingface", "hf_ api_org_", _B + r"(?:hf|api_org)_[A-Za-z]{34}" + _E),
        _rule("groq", "gsk_", _B + r"gsk_[A-Za-z0-9]{48,56}" + _E),
        _rule("replicate", "r8_", _B + r"r8_[A-Za-z0-9]{37}" + _E),
        _rule("perplexity", "pplx-", _B + r"pplx-[A-Za-z0-9]{48}" + _E),
        _rule("xai", "xai-", _B + r"xai-[A-Za-z0-9]{80}" + _E),
        # More vendors with a fixed prefix and length: Shopify, DigitalOcean, Databricks,
        # Square, Google OAuth access tokens, age, Postman, New Relic, Linear, Alibaba Cloud,
        # Doppler.
        _rule("shopify", "shpat_ shpca_ shppa_ shpss_",
              _B + r"shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}" + _E),
        _rule("digitalocean", "dop_v1_ doo_v1_ dor_v1_", _B + r"do[opr]_v1_[a-f0-9]{64}" + _E),
        _rule("databricks", "dapi", _B + r"dapi[a-f0-9]{32}(?:-\d)?" + _E),
        _rule("square", "sq0atp- sq0csp-",
              _B + r"sq0(?:atp-[0-9A-Za-z_-]{22}|csp-[0-9A-Za-z_-]{43})" + _E),
        _rule("google_oauth", "ya29.", _B + r"ya29\.[0-9A-Za-z_-]{20,}" + _E),
        _rule("age", "AGE-SECRET-KEY-1", r"AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}"),
        _rule("postman", "PMAK-", _B + r"PMAK-[a-f0-9]{24}-[a-f0-9]{34}" + _E),
        _rule("newrelic", "NRAK-", _B + r"NRAK-[A-Z0-9]{27}" + _E),
        _rule("linear", "lin_api_", _B + r"lin_api_[A-Za-z0-9]{40}" + _E),
        _rule("alibaba", "LTAI", _B + r"LTAI[A-Za-z0-9]{20}" + _E),
        _rule("doppler", "dp.pt.", _B + r"dp\.pt\.[A-Za-z0-9]{43}" + _E),
        _rule("azure_storage", "AccountKey=", r"AccountKey=([A-Za-z0-9+/]{80,}={0,2})", group=1),
        # An Azure AD (Entra ID) client secret: three characters, a digit, "Q~", then 31-34.
        _rule("azure_ad_secret", "Q~", r"(?<![A-Za-z0-9_~.-])[A-Za-z0-9_~.]{3}\dQ~"
              r"[A-Za-z0-9_~.-]{31,34}(?![A-Za-z0-9_~.-])", min_length=37),
        # More AI platforms' keys: Amazon Bedrock API keys (long-lived "ABSK" and base64;
        # short-lived ones open with the base64 of "bedrock.amazonaws.com"), LangSmith,
        # Pinecone, Tavily.
        _rule("bedrock", "ABSK bedrock-api-key-",
              _B + r"(?:ABSK[A-Za-z0-9+/]{109,269}={0,2}"
              r"|bedrock-api-key-YmVkcm9jay5hbWF6b25hd3MuY29t[A-Za-z0-9+/=%&._-]*)"
              r"(?![A-Za-z0-9+/=])"),
        _rule("langsmith", "lsv2_", _B + r"lsv2_(?:pt|sk)_[0-9a-f]{32}_[0-9a-f]{10}" + _E),
        _rule("pinecone", "pcsk_", _B + r"pcsk_[A-Za-z0-9_]{40,120}" + _E),
        _rule("tavily", "tvly-", _B + r"tvly-(?:dev-|prod-)?[A-Za-z0-9]{24,64}" + _E),
        # Developer platforms with a fixed prefix (and mostly a fixed length): Docker Hub,
        # HashiCorp Vault, Sentry, Grafana, Notion, Atlassian, Heroku, 1Password, PlanetScale,
        # Pulumi, Prefect, RubyGems, Brevo (Sendinblue), Slack apps, Cloudflare origin CA,
        # OpenShift, Dynatrace, Square and Meta access tokens, Duffel, EasyPost, Fly.io,
        # ReadMe, Scalingo, Clojars, MaxMind.
        _rule("docker_hub", "dckr_pat_", _B + r"dckr_pat_[A-Za-z0-9_-]{27}" + _E),
        _rule("vault", "hvs. hvb.",
              _B + r"(?:hvs\.[A-Za-z0-9_-]{90,120}|hvb\.[A-Za-z0-9_-]{138,300})" + _E),
        _rule("sentry", "sntry", _B + r"(?:sntryu_[0-9a-f]{64}"
              r"|sntrys_eyJ[A-Za-z0-9+/]{20,400}={0,2}_[A-Za-z0-9+/]{43})(?![A-Za-z0-9+/=_-])"),
        _rule("grafana", "gl eyJ", _B + r"(?:glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}"
              r"|glc_[A-Za-z0-9+/]{32,400}={0,2}|eyJrIjoi[A-Za-z0-9]{70,400}={0,2})"
              r"(?![A-Za-z0-9+/=_-])"),
        _rule("notion", "ntn_", _B + r"ntn_\d{11}[A-Za-z0-9]{35}" + _E),
        _rule("atlassian", "ATATT3", _B + r"ATATT3[A-Za-z0-9_=-]{150,250}(?![A-Za-z0-9_=-])"),
        _rule("heroku", "HRKU-", _B + r"HRKU-AA[A-Za-z0-9_-]{58}" + _E),
        _rule("onepassword", "ops_ A3-", r"(?:" + _B + r"ops_eyJ[A-Za-z0-9+/]{250,}={0,3}"
              r"|\bA3-[A-Z0-9]{6}-(?:[A-Z0-9]{11}|[A-Z0-9]{6}-[A-Z0-9]{5})(?:-[A-Z0-9]{5}){3}\b)"),
        _rule("planetscale", "pscale_",
              _B + r"pscale_(?:tkn|pw|oauth)_[A-Za-z0-9_=.-]{32,64}(?![A-Za-z0-9_=.-])"),
        _rule("pulumi", "pul-", _B + r"pul-[a-f0-9]{40}" + _E),
        _rule("prefect", "pnu_", _B + r"pnu_[A-Za-z0-9]{36}" + _E),
        _rule("rubygems", "rubygems_", _B + r"rubygems_[a-f0-9]{48}" + _E),
        _rule("brevo", "xkeysib-", _B + r"xkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}" + _E),
        _rule("slack_app", "xapp-", _B + r"xapp-\d-[A-Z0-9]+-\d+-[a-z0-9]{20,}" + _E),
        _rule("cloudflare_origin_ca", "v1.0-", _B + r"v1\.0-[a-f0-9]{24}-[a-f0-9]{146}" + _E),
        _rule("openshift", "sha256~", _B + r"sha256~[A-Za-z0-9_-]{43}" + _E),
        _rule("dynatrace", "dt0c01.", _B + r"dt0c01\.[A-Za-z0-9]{24}\.[A-Za-z0-9]{64}" + _E),
        _rule("square_meta", "EAA", _B + r"EAA(?:A[A-Za-z0-9_-]{60,}|[CM][A-Za-z0-9]{100,})" + _E),
        _rule("duffel", "duffel_", _B + r"duffel_(?:test|live)_[A-Za-z0-9_=-]{43}" + _E),
        _rule("easypost", "EZAK EZTK", _B + r"EZ[AT]K[A-Za-z0-9]{54}" + _E),
        _rule("flyio", "fo1_ fm1 fm2_", _B + r"(?:fo1_[A-Za-z0-9_-]{43}"
              r"|(?:fm1[ar]|fm2)_[A-Za-z0-9+/]{100,}={0,3})(?![A-Za-z0-9+/=_-])"),
        _rule("readme", "rdme_", _B + r"rdme_[a-z0-9]{70}" + _E),
        _rule("scalingo", "tk-us-", _B + r"tk-us-[A-Za-z0-9_-]{48}" + _E),
        _rule("clojars", "CLOJARS_", _B + r"CLOJARS_[a-z0-9]{60}" + _E),
        _rule("maxmind", "_mmk", _B + r"[A-Za-z0-9]{6}_[A-Za-z0-9]{29}_mmk" + _E),
        # `scheme://user:password@host`; the user may be empty (`redis://:password@host`)
        _rule("basic_auth_url", "://",
              r"\b[A-Za-z][A-Za-z0-9+.-]*://[^\s:/@'\"<>]*:([^\s:/@'\"<>]+)@[^\s/@'\"<>]+",
              checks.is_url_password, group=1),
        # HTTP credentials as pasted from curl commands and client code: a bearer token, Basic
        # credentials (base64 of user:password), and curl's `-u user:password`.
        _rule("bearer_token", "", r"\s+([A-Za-z0-9._~+/-]{16,}=*)(?![A-Za-z0-9._~+/=-])",
              checks.is_bearer_token, group=1, keywords="bearer", reach=2100,  # a JWT may be long
              head=r"(?i)(?=b)\bbearer", head_at_keyword=True),
        _rule("basic_auth_header", "", r"\s+([A-Za-z0-9+/]{8,}={0,2})(?![A-Za-z0-9+/=])",
              checks.is_basic_credentials, group=1, keywords="basic", reach=300,
              head=r"(?i)(?=b)\bbasic", head_at_keyword=True),
        _rule("curl_user", "", r"\s+[\"']?[^\s:\"'@]+:([^\s\"']{4,64})(?<![.,;:])",
              checks.is_password_like, group=1, keywords="-u\0 --user", reach=100,  # "-u" + space
              head=r"(?<![\w-])(?:-u|--user)", head_at_keyword=True),
        _rule("assignment", "",
              r"\s*(\"[^\"\s]{4,200}\"|'[^'\s]{4,200}'|[^\s\"',;)]{4,200})",
              checks.is_assigned_literal, group=1, keywords="pass pwd secret key token",
              operators=":=",
              # (?=[pasc]) first: every name starts with one of these, and a leading character
              # set lets `re` skip positions fast (about 40% less time than the look-behind).
              head=r"(?i)(?=[pasc])(?<![a-z0-9])(?:" + _ASSIGNED_NAMES + r")[\"']?\s*"
                   r"(?::=|=>|[:=])"),
        _rule("password_phrase", "",
              r"(?:\s+(?:is|was|of|to|set to)|\s*[:=])?"
              r"\s+[\"'`]?([^\s\"'`,;]{6,64})(?<![.,;:])", checks.is_password_like, group=1,
              keywords="passw passc pw", reach=100,  # keyword, ~15 between, 64 of value
              head=r"(?i)(?=p)\b(?:password|passwd|passcode|pwd|pw\b)", head_at_keyword=True),
        # A PIN (a card's, a phone's, a door's) given with its label: four to eight digits.
        # The keyword holds its next character: "pin" alone sits inside "shopping", "mapping".
        _rule("pin", "", r"(?:\s+(?:code|number|no\.?))?(?:\s+(?:is|was))?\s*[:=#]?\s*"
              r"[\"'`]?(\d{4,8})(?!\d|[.,/:-]\d)", group=1, keywords="pin\0 pin: pin=", reach=40,
              head=r"(?i)(?=p)\bpin\b", head_at_keyword=True),
        # The answer to a security question, given with it: what account recovery asks for
        # ("my mother's maiden name is Okafor", "security answer: fluffy123").
        _rule("security_answer", "",
              r"(?:\s+(?:is|was)|\s*[:=])\s+[\"'`]?([A-Za-z0-9](?:[^\s\"`,;!?]{0,62}[A-Za-z0-9])?)",
              checks.is_security_answer, group=1,
              keywords="maiden security\0answer security\0question secret\0answer", reach=100,
              head=r"(?i)(?=[ms])\b(?:maiden\s+name|(?:security|secret)\s+(?:question\s+)?answer)",
              head_at_keyword=True),
        # Headed at the local part and its @ (the reported span is the value): scanning the
        # whole window re-ran the local-part class at every position before each @.
        _rule("credential_pair", "@",
              r"[A-Za-z0-9.-]+\.[A-Za-z]{2,}[\"']?\s*[/:|]\s*[\"']?"
              r"([^\s\"',;]{6,64})(?<![.,;:])", checks.is_password_like, group=1, keywords="@",
              reach=200,  # a local part, its domain, separator and a value of at most 64
              head=r"[A-Za-z0-9._%+-]+@"),
    )  # fmt: skip
