"""Paths of the deployment files and the small readers the deploy tests share.

Compose interpolation (`${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?message}`,
`${VAR?message}`, `$$`) is reimplemented here so the compose file can be checked as Docker
Compose would see it with `.env.example`, without a Docker engine.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

__all__ = [
    "COMPOSE_FILE",
    "DASHBOARD",
    "ENV_EXAMPLE",
    "K8S",
    "PROMETHEUS_CONFIG",
    "REPO",
    "InterpolationError",
    "interpolate",
    "load_yaml_documents",
    "read_env_file",
    "require_tool",
]

REPO = Path(__file__).resolve().parents[2]
COMPOSE_FILE = REPO / "docker-compose.yml"
ENV_EXAMPLE = REPO / ".env.example"
PROMETHEUS_CONFIG = REPO / "deploy" / "prometheus" / "prometheus.yml"
DASHBOARD = REPO / "deploy" / "grafana" / "dashboards" / "tiergate.json"
K8S = REPO / "deploy" / "k8s"

_VAR = re.compile(
    r"\$(?:(?P<escaped>\$)|\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}"
    r"|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)


class InterpolationError(ValueError):
    """A `${VAR:?message}` whose variable is unset (or empty), as `docker compose` reports."""


def require_tool(name: str, hint: str) -> str:
    """The tool's path, or a test failure with the install hint (CI installs these)."""
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"`{name}` is not on PATH: {hint}", pytrace=False)
    return path


def read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines; `#` comments and blank lines skipped; surrounding quotes removed."""
    env: dict[str, str] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key.strip()):
            raise ValueError(f"{path.name}:{n}: not KEY=VALUE: {line!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        env[key.strip()] = value
    return env


def _substitute(text: str, env: Mapping[str, str]) -> str:
    def one(m: re.Match[str]) -> str:
        if m["escaped"]:
            return "$"
        name = m["braced"] or m["bare"]
        value = env.get(name)
        op, arg = m["op"], m["arg"] or ""
        unset_or_empty = value is None or (value == "" and op is not None and op.startswith(":"))
        if op in (":-", "-"):
            return arg if unset_or_empty else str(value)
        if op in (":?", "?"):
            if unset_or_empty:
                raise InterpolationError(f"required variable {name} is missing a value: {arg}")
            return str(value)
        return "" if value is None else value

    return _VAR.sub(one, text)


def interpolate(node: Any, env: Mapping[str, str]) -> Any:
    """Apply compose interpolation to every string in a parsed compose document."""
    if isinstance(node, str):
        return _substitute(node, env)
    if isinstance(node, list):
        return [interpolate(item, env) for item in node]
    if isinstance(node, dict):
        return {key: interpolate(value, env) for key, value in node.items()}
    return node


def load_yaml_documents(path: Path) -> list[dict[str, Any]]:
    """Every non-empty document of a (multi-document) YAML file."""
    with path.open(encoding="utf-8") as f:
        return [doc for doc in yaml.safe_load_all(f) if doc]
