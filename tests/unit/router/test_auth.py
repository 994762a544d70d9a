"""Client keys: env pairs and the keys file, kept hashed, merged with the tenant's policy; 401 on
anything else; no keys is allowed on loopback only, unless disabled explicitly."""

from __future__ import annotations

from pathlib import Path

import pytest

from router.auth import ANONYMOUS, KeyStore, check_exposure, is_loopback
from router.errors import AuthenticationError, ConfigError
from router.keys import digest, keys_main, load_grants
from router.routing import parse_routing
from router.settings import Settings

ROUTING = {
    "upstreams": {
        "small": {"kind": "llamacpp", "base_url": "http://127.0.0.1:1/v1"},
        "big": {"kind": "openai", "base_url": "http://127.0.0.1:2/v1"},
    },
    "tiers": {
        "local": {"targets": ["small"], "model": "smollm2-135m"},
        "frontier": {"targets": ["big"], "model": "gpt-4.1"},
    },
    "tenants": {"team-a": {"rpm": 10, "tpm": 1000, "max_tokens": 256}},
}


def keys_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "keys.yaml"
    path.write_text(body)
    return path


def test_no_keys_means_auth_off() -> None:
    assert KeyStore.from_pairs(None).authenticate(None) == ANONYMOUS


def test_keys_map_to_tenants_and_are_stored_hashed() -> None:
    store = KeyStore.from_pairs("sk-a:team-a, sk-b:team-b")
    assert store.authenticate("Bearer sk-a").tenant == "team-a"
    assert store.authenticate("bearer sk-b").tenant == "team-b"
    assert set(store.callers) == {digest("sk-a"), digest("sk-b")}
    assert "sk-a" not in repr(store)


@pytest.mark.parametrize("header", [None, "", "Bearer", "Bearer  ", "Basic sk-a", "Bearer sk-c"])
def test_missing_or_wrong_key_is_401(header: str | None) -> None:
    with pytest.raises(AuthenticationError):
        KeyStore.from_pairs("sk-a:team-a").authenticate(header)


def test_malformed_pairs_are_config_errors() -> None:
    with pytest.raises(ConfigError):
        KeyStore.from_pairs("just-a-key")


def test_keys_file_holds_digests_and_per_key_limits(tmp_path: Path) -> None:
    path = keys_file(
        tmp_path,
        f"keys:\n  - sha256: {digest('sk-file').hex()}\n    tenant: team-a\n"
        "    rpm: 99\n    usd_per_day: 2.5\n    budget_downgrade: true\n"
        "    allowed_tiers: [local]\n",
    )
    store = KeyStore.build(load_grants(None, path), parse_routing(ROUTING))
    caller = store.authenticate("Bearer sk-file")
    # The key's own fields override the tenant's; the tenant's other fields still apply.
    assert (caller.policy.rpm, caller.policy.tpm, caller.policy.max_tokens) == (99, 1000, 256)
    assert caller.policy.usd_per_day == 2.5 and caller.policy.budget_downgrade
    assert caller.may_use("local") and not caller.may_use("frontier")
    assert caller.metered and store.metered("team-a") and not store.metered("team-b")


def test_env_key_takes_the_tenants_policy_from_the_routing_file() -> None:
    store = KeyStore.from_pairs("sk-a:team-a,sk-b:team-b", parse_routing(ROUTING))
    assert store.authenticate("Bearer sk-a").policy.rpm == 10
    assert store.authenticate("Bearer sk-b").policy.rpm is None


def test_allowed_models_restrict_tiers() -> None:
    routing = parse_routing({**ROUTING, "tenants": {"t": {"allowed_models": ["smollm2-135m"]}}})
    caller = KeyStore.from_pairs("k:t", routing).authenticate("Bearer k")
    assert caller.allowed_tiers == frozenset({"local"})


def test_unknown_allowed_model_stops_startup() -> None:
    with pytest.raises(ConfigError, match=r"tenants\.t\.allowed_models"):
        parse_routing({**ROUTING, "tenants": {"t": {"allowed_models": ["gpt-9"]}}})


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ("keys:\n  - sha256: sk-plaintext\n    tenant: a\n", "keys.0.sha256"),
        (f"keys:\n  - sha256: {'a' * 64}\n    tenant: a\n    rmp: 3\n", "keys.0.rmp"),
        (f"keys:\n  - sha256: {'a' * 64}\n    rpm: 3\n", "keys.0.tenant"),
    ],
)
def test_bad_keys_file_names_the_key(tmp_path: Path, body: str, where: str) -> None:
    with pytest.raises(ConfigError, match=where):
        load_grants(None, keys_file(tmp_path, body))


def test_admin_key_may_not_be_a_client_key() -> None:
    settings = Settings.model_validate({"api_keys": "sk-same:team", "admin_key": "sk-same"})
    with pytest.raises(ConfigError, match="ADMIN_KEY"):
        KeyStore.from_settings(settings)


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("0.0.0.0", False),
        ("10.0.0.2", False),
    ],
)
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_no_keys_on_a_public_bind_stops_startup_unless_disabled_explicitly() -> None:
    none = KeyStore.from_pairs(None)
    with pytest.raises(ConfigError, match="TIERGATE_AUTH_DISABLED"):
        check_exposure(Settings.model_validate({"host": "0.0.0.0"}), none)
    warning = check_exposure(
        Settings.model_validate({"host": "0.0.0.0", "auth_disabled": True}), none
    )
    assert warning is not None and "CLIENT AUTH IS OFF" in warning
    assert "CLIENT AUTH IS OFF" in (check_exposure(Settings.model_validate({}), none) or "")
    assert (
        check_exposure(Settings.model_validate({"host": "0.0.0.0"}), KeyStore.from_pairs("k:t"))
        is None
    )


def test_keys_hash_prints_the_digest(capsys: pytest.CaptureFixture[str]) -> None:
    assert keys_main(["hash", "sk-a"]) == 0
    assert capsys.readouterr().out.strip() == digest("sk-a").hex()
    assert keys_main(["new", "--tenant", "team-a"]) == 0
    out = capsys.readouterr().out
    key = out.split(": ", 1)[1].split()[0]
    assert f"sha256: {digest(key).hex()}" in out and "tenant: team-a" in out
