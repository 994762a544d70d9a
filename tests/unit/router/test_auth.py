"""Bearer keys: parsed from `key:tenant` pairs, kept hashed, 401 on anything else."""

from __future__ import annotations

import pytest

from router.auth import ANONYMOUS, KeyStore, digest
from router.errors import AuthenticationError, ConfigError


def test_no_keys_means_auth_off() -> None:
    assert KeyStore.from_pairs(None).authenticate(None) is ANONYMOUS


def test_keys_map_to_tenants_and_are_stored_hashed() -> None:
    store = KeyStore.from_pairs("sk-a:team-a, sk-b:team-b")
    assert store.authenticate("Bearer sk-a").tenant == "team-a"
    assert store.authenticate("bearer sk-b").tenant == "team-b"
    assert set(store.callers) == {digest("sk-a"), digest("sk-b")}


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer  ", "Basic sk-a", "Bearer sk-c"])
def test_missing_or_wrong_key_is_401(header: str | None) -> None:
    with pytest.raises(AuthenticationError):
        KeyStore.from_pairs("sk-a:team-a").authenticate(header)


def test_malformed_pairs_are_config_errors() -> None:
    with pytest.raises(ConfigError):
        KeyStore.from_pairs("just-a-key")
