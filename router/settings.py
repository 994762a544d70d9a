"""Process settings: where to listen, which files to read, secrets. Environment only (`TIERGATE_*`).

What to route lives in the routing file (router/routing.py); this object holds only the
process's knobs. It is built once by the CLI or a test, never at import time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="TIERGATE_", extra="ignore", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(8080, ge=0, le=65535)
    config: Path | None = None  # routing YAML; None = the embedded default
    redis_url: str | None = None
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    admin_key: SecretStr | None = None
    api_keys: SecretStr | None = None  # "key:tenant,key2:tenant2"
    keys_file: Path | None = None
    # No client keys: allowed on loopback (with a warning); elsewhere only with this set.
    auth_disabled: bool = False
    # Embedded default only: where the supervised llama.cpp worker listens.
    local_port: int = Field(8001, ge=1, le=65535)
    frontier_base_url: str | None = None
    frontier_model: str | None = None
    # Start/stop the workers of upstreams that declare one (the embedded default always does).
    launch_workers: bool = True
    # On SIGTERM: stop accepting, let in-flight requests and streams finish for this long.
    shutdown_grace: float = Field(30.0, ge=0)
    # Decision records go to Redis when redis_url is set, else to this rotating JSONL file.
    decision_log: Path = Field(
        default_factory=lambda: Path.home() / ".local" / "state" / "tiergate" / "decisions.jsonl"
    )

    @field_validator("admin_key", "api_keys")
    @classmethod
    def _no_placeholder(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and value.get_secret_value().strip() in {"", "changeme", "change-me"}:
            raise ValueError("placeholder secret: set a real value or leave it unset")
        return value
