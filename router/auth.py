"""Who is calling: bearer API key -> Caller (tenant, what it may use, its limits).

Keys are kept only as SHA-256 digests (router/keys.py) and compared in constant time. With no
keys configured, client auth is off and every request is the `default` tenant: allowed on a
loopback bind (start-up warns loudly), refused on any other bind unless
`TIERGATE_AUTH_DISABLED=true` says so explicitly (`check_exposure`). The admin key is separate
and may never also be a client key.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from router.errors import AuthenticationError, ConfigError
from router.keys import Grant, digest, load_grants
from router.routing import TIER_NAMES, Routing, TenantPolicy, TierName
from router.settings import Settings

UNLIMITED = TenantPolicy()
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Caller:
    tenant: str
    allowed_tiers: frozenset[TierName] | None = None  # None = every tier
    policy: TenantPolicy = UNLIMITED

    def may_use(self, tier: TierName) -> bool:
        return self.allowed_tiers is None or tier in self.allowed_tiers

    @property
    def metered(self) -> bool:
        """Whether anything is counted for this caller (rpm, tpm or a USD budget)."""
        p = self.policy
        return bool(p.rpm or p.tpm or p.usd_per_day)


ANONYMOUS = Caller(tenant="default")


def caller_for(grant: Grant, routing: Routing | None) -> Caller:
    """The tenant's policy from the routing file, overridden by the key's own fields."""
    base = routing.tenants.get(grant.tenant) if routing is not None else None
    fields = base.model_dump(exclude_unset=True) if base is not None else {}
    if grant.policy is not None:
        fields.update(grant.policy.model_dump(exclude_unset=True))
    policy = TenantPolicy(**fields) if fields else UNLIMITED
    tiers: set[TierName] | None = None
    if policy.allowed_tiers is not None:
        tiers = set(policy.allowed_tiers)
    if policy.allowed_models is not None and routing is not None:
        by_model = {
            name
            for name in TIER_NAMES
            if (t := routing.tiers.get(name)) is not None and t.model in policy.allowed_models
        }
        tiers = by_model if tiers is None else tiers & by_model
    return Caller(grant.tenant, frozenset(tiers) if tiers is not None else None, policy)


@dataclass(frozen=True, slots=True)
class KeyStore:
    """SHA-256 digest of each key -> Caller, plus the grants to rebuild it on a routing reload."""

    callers: Mapping[bytes, Caller]
    grants: Mapping[bytes, Grant] = field(default_factory=dict)
    anonymous: Caller = ANONYMOUS

    @property
    def enabled(self) -> bool:
        return bool(self.callers)

    @classmethod
    def build(cls, grants: Mapping[bytes, Grant], routing: Routing | None = None) -> KeyStore:
        callers = {key: caller_for(grant, routing) for key, grant in grants.items()}
        return cls(callers, dict(grants), caller_for(Grant("default"), routing))

    @classmethod
    def from_pairs(cls, spec: str | None, routing: Routing | None = None) -> KeyStore:
        """Parse `key:tenant,key2:tenant2` (TIERGATE_API_KEYS)."""
        return cls.build(load_grants(spec, None), routing)

    @classmethod
    def from_settings(cls, settings: Settings, routing: Routing | None = None) -> KeyStore:
        pairs = settings.api_keys.get_secret_value() if settings.api_keys else None
        store = cls.build(load_grants(pairs, settings.keys_file), routing)
        admin = admin_digest(settings)
        if admin is not None and admin in store.callers:
            raise ConfigError("TIERGATE_ADMIN_KEY is also a client key; use a separate key")
        return store

    def rebind(self, routing: Routing) -> KeyStore:
        """The same keys under a reloaded routing file (tenants' limits may have changed)."""
        return KeyStore.build(self.grants, routing)

    def metered(self, tenant: str) -> bool:
        """Whether any caller of this tenant has limits to count against."""
        if self.anonymous.tenant == tenant and self.anonymous.metered:
            return True
        return any(c.metered for c in self.callers.values() if c.tenant == tenant)

    def authenticate(self, authorization: str | None) -> Caller:
        if not self.enabled:
            return self.anonymous
        found = match_bearer(authorization, self.callers)
        if found is None:
            raise AuthenticationError("Incorrect API key provided.")
        return found


def match_bearer(authorization: str | None, table: Mapping[bytes, T]) -> T | None:
    """The entry for the bearer token's digest, comparing against every entry in constant time
    (the time taken does not depend on which one matches). 401 when the header is malformed."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError(
            "Missing API key: send 'Authorization: Bearer <key>'.", code="missing_api_key"
        )
    wanted = digest(token.strip())
    found: T | None = None
    for stored, value in table.items():
        if hmac.compare_digest(stored, wanted):
            found = value
    return found


def admin_digest(settings: Settings) -> bytes | None:
    return digest(settings.admin_key.get_secret_value()) if settings.admin_key else None


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_exposure(settings: Settings, keys: KeyStore) -> str | None:
    """Refuse to serve without client auth on a non-loopback bind unless explicitly disabled;
    returns the warning to log when auth is off (None when it is on)."""
    if keys.enabled:
        return None
    if not is_loopback(settings.host) and not settings.auth_disabled:
        raise ConfigError(
            f"no client keys (TIERGATE_API_KEYS or TIERGATE_KEYS_FILE) and binding "
            f"{settings.host}, which is not loopback: anyone who can reach it could spend your "
            "frontier budget. Configure keys, or set TIERGATE_AUTH_DISABLED=true to run "
            "without client auth on purpose."
        )
    return (
        "CLIENT AUTH IS OFF: no TIERGATE_API_KEYS or keys file; every caller is tenant "
        f"'default' ({'explicitly disabled' if settings.auth_disabled else 'loopback bind'}: "
        f"{settings.host})"
    )
