"""Where client keys come from: `TIERGATE_API_KEYS` pairs and the keys file, as SHA-256 grants.

A key is never stored or kept in plaintext past parsing: the environment pairs are hashed as
they are read, and the keys file holds only digests (`tiergate keys hash` computes one). Each
grant names a tenant and may carry its own limits, which override, field by field, those of
`tenants.<name>` in the routing file (router/auth.py merges them).

Keys file (`TIERGATE_KEYS_FILE`, YAML, unknown fields are errors naming their path):

    keys:
      - sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
        tenant: team-a
        allowed_tiers: [local, frontier]
        rpm: 60
        tpm: 100000
        usd_per_day: 5.0
        max_tokens: 1024
        budget_downgrade: true
"""

from __future__ import annotations

import argparse
import hashlib
import secrets
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import yaml
from pydantic import Field, ValidationError

from router.errors import ConfigError
from router.routing import Strict, TenantPolicy


def digest(key: str) -> bytes:
    """SHA-256 of a key: what is stored and compared, never the key itself."""
    return hashlib.sha256(key.encode("utf-8")).digest()


@dataclass(frozen=True, slots=True)
class Grant:
    """One key's tenant and, if it has any, its own limits (only the fields set count)."""

    tenant: str
    policy: TenantPolicy | None = None


class KeyEntry(TenantPolicy):
    sha256: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    tenant: Annotated[str, Field(min_length=1, max_length=128)]


class KeysFile(Strict):
    keys: list[KeyEntry]


def parse_pairs(spec: str | None) -> dict[bytes, Grant]:
    """`key:tenant,key2:tenant2` (TIERGATE_API_KEYS) -> grants without limits of their own."""
    grants: dict[bytes, Grant] = {}
    for item in (spec or "").split(","):
        item = item.strip()
        if not item:
            continue
        key, sep, tenant = item.rpartition(":")
        if not sep or not key.strip() or not tenant.strip():
            raise ConfigError("TIERGATE_API_KEYS: each entry must be 'key:tenant'")
        grants[digest(key.strip())] = Grant(tenant.strip())
    return grants


def load_keys_file(path: Path) -> dict[bytes, Grant]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read keys file {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"keys file {path} is not valid YAML: {exc}") from None
    try:
        parsed = KeysFile.model_validate(data)
    except ValidationError as exc:
        problems = [
            f"  {'.'.join(str(p) for p in e['loc']) or '(top level)'}: {e['msg']}"
            for e in exc.errors()
        ]
        raise ConfigError(f"invalid keys file {path}:\n" + "\n".join(problems)) from None
    grants: dict[bytes, Grant] = {}
    for i, entry in enumerate(parsed.keys):
        key = bytes.fromhex(entry.sha256)
        if key in grants:
            raise ConfigError(f"invalid keys file {path}:\n  keys.{i}.sha256: duplicate digest")
        own = entry.model_dump(include=entry.model_fields_set - {"sha256", "tenant"})
        grants[key] = Grant(entry.tenant, TenantPolicy(**own) if own else None)
    return grants


def load_grants(pairs: str | None, keys_file: Path | None) -> dict[bytes, Grant]:
    """Both sources; a key in both is an error (which limits would apply is not obvious)."""
    grants = parse_pairs(pairs)
    if keys_file is not None:
        from_file = load_keys_file(keys_file)
        if grants.keys() & from_file.keys():
            raise ConfigError("a key is in both TIERGATE_API_KEYS and the keys file")
        grants.update(from_file)
    return grants


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tiergate keys", description="Client API keys.")
    sub = p.add_subparsers(dest="action", required=True)
    h = sub.add_parser("hash", help="print the sha256 of a key (read from stdin if not given)")
    h.add_argument("key", nargs="?", help="the key (prefer stdin: it stays out of shell history)")
    new = sub.add_parser("new", help="make a random key and print it with its keys-file entry")
    new.add_argument("--tenant", required=True)
    return p


def keys_main(argv: Sequence[str] | None = None) -> int:
    """`tiergate keys hash [KEY]` / `tiergate keys new --tenant T`."""
    args = _parser().parse_args(argv)
    if args.action == "new":
        key = "tg-" + secrets.token_urlsafe(32)
        print(f"key (give it to the client; it is not stored anywhere): {key}")
        print(f"keys file entry:\n  - sha256: {digest(key).hex()}\n    tenant: {args.tenant}")
        return 0
    key = args.key if args.key is not None else sys.stdin.readline().strip()
    if not key:
        print("tiergate keys hash: no key given", file=sys.stderr)
        return 2
    print(digest(key).hex())
    return 0


if __name__ == "__main__":
    raise SystemExit(keys_main())
