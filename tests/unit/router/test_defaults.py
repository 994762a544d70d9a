"""The embedded default: a supervised local SmolLM2, and whichever frontier the env names."""

from __future__ import annotations

from router.defaults import LOCAL_MODEL, default_routing
from router.settings import Settings


def test_no_frontier_configured_means_local_only() -> None:
    routing = default_routing(Settings(), {})
    assert list(routing.upstreams) == ["local-small"]
    local = routing.upstreams["local-small"]
    assert local.kind == "llamacpp" and local.base_url == "http://127.0.0.1:8001/v1"
    assert local.worker is not None and local.worker.engine == "llamacpp"
    assert routing.tiers["local"].model == LOCAL_MODEL
    assert not routing.frontier_configured()


def test_openai_key_selects_openai() -> None:
    routing = default_routing(Settings(), {"OPENAI_API_KEY": "sk-test"})
    assert routing.upstreams["frontier"].base_url == "https://api.openai.com/v1"
    assert routing.upstreams["frontier"].api_key_env == "OPENAI_API_KEY"
    assert routing.tiers["frontier"].model == "gpt-4.1"


def test_frontier_base_url_wins_and_local_port_is_configurable() -> None:
    settings = Settings(
        frontier_base_url="http://127.0.0.1:9999/v1", frontier_model="m", local_port=8111
    )
    routing = default_routing(settings, {"ANTHROPIC_API_KEY": "x"})
    assert routing.upstreams["frontier"].kind == "openai"
    assert routing.upstreams["frontier"].api_key_env is None
    assert routing.tiers["frontier"].model == "m"
    assert routing.upstreams["local-small"].base_url == "http://127.0.0.1:8111/v1"


def test_anthropic_key_selects_anthropic() -> None:
    routing = default_routing(Settings(), {"ANTHROPIC_API_KEY": "x"})
    assert routing.upstreams["frontier"].kind == "anthropic"
