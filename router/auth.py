"""Who is calling: bearer API key -> Caller.

Keys are kept only as SHA-256 digests and compared in constant time; with no keys configured,
client auth is off (start-up says so loudly) and every request is the `default` tenant.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from router.errors import AuthenticationError, ConfigError
from router.routing import TierName


@dataclass(frozen=True, slots=True)
class Caller:
    tenant: str
    allowed_tiers: frozenset[TierName] | None = None  # None = every tier

    def may_use(self, tier: TierName) -> bool:
        return self.allowed_tiers is None or tier in self.allowed_tiers


ANONYMOUS = Caller(tenant="default")


def digest(key: str) -> bytes:
    return hashlib.sha256(key.encode("utf-8")).digest()


@dataclass(frozen=True, slots=True)
class KeyStore:
    """SHA-256 digest of each key -> Caller."""

    callers: Mapping[bytes, Caller]

    @property
    def enabled(self) -> bool:
        return bool(self.callers)

    @classmethod
    def from_pairs(cls, spec: str | None) -> KeyStore:
        """Parse `key:tenant,key2:tenant2` (TIERGATE_API_KEYS)."""
        callers: dict[bytes, Caller] = {}
        for item in (spec or "").split(","):
            item = item.strip()
            if not item:
                continue
            key, sep, tenant = item.rpartition(":")
            if not sep or not key or not tenant:
                raise ConfigError("TIERGATE_API_KEYS: each entry must be 'key:tenant'")
            callers[digest(key)] = Caller(tenant=tenant)
        return cls(callers)

    def authenticate(self, authorization: str | None) -> Caller:
        if not self.enabled:
            return ANONYMOUS
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthenticationError(
                "Missing API key: send 'Authorization: Bearer <key>'.", code="missing_api_key"
            )
        wanted = digest(token.strip())
        found: Caller | None = None
        # Compare against every digest so the time taken does not depend on which one matches.
        for stored, caller in self.callers.items():
            if hmac.compare_digest(stored, wanted):
                found = caller
        if found is None:
            raise AuthenticationError("Incorrect API key provided.")
        return found
