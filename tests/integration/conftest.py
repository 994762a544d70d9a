"""A running gateway in front of two upstream doubles: `local` (llama.cpp kind) and `hosted`
(an OpenAI-kind frontier), driven by the official openai SDK. Real HTTP on 127.0.0.1 throughout.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import openai
import pytest

from router.app import create_app
from router.routing import Routing, parse_routing
from router.settings import Settings
from tests.fakes.server import serve_in_thread
from tests.fakes.upstream import UpstreamDouble

HOSTED_KEY = "sk-hosted-test-secret"


@dataclass
class Stack:
    url: str  # gateway base URL, ends in /v1
    local: UpstreamDouble
    hosted: UpstreamDouble
    client: openai.OpenAI
    routing: Routing

    @property
    def root(self) -> str:
        return self.url.removesuffix("/v1")


def routing_for(local: UpstreamDouble, hosted: UpstreamDouble, **overrides: Any) -> Routing:
    timeouts = {"connect": 1.0, "first_byte": 2.0, "total": 10.0}
    doc: dict[str, Any] = {
        "upstreams": {
            "local-small": {
                "kind": "llamacpp",
                "base_url": local.url,
                "timeouts": timeouts,
                "health_interval": 0.2,
            },
            "hosted": {
                "kind": "openai",
                "base_url": hosted.url,
                "api_key_env": "HOSTED_KEY",
                "timeouts": timeouts,
                "health_interval": 0.2,
            },
        },
        "tiers": {
            "local": {"targets": ["local-small"], "model": "smollm2-135m"},
            "frontier": {
                "targets": ["hosted"],
                "model": "gpt-4.1",
                "price": {"input": 2.0, "output": 8.0},
            },
        },
        "thresholds": {"difficulty": 0.5, "sensitivity": 0.5},
    }
    for name, extra in overrides.pop("upstream_overrides", {}).items():
        doc["upstreams"][name].update(extra)  # e.g. breaker, retries, kind, saturation
    doc.update(overrides)
    return parse_routing(doc)


@pytest.fixture
def make_stack(
    make_upstream_double: Callable[..., UpstreamDouble], tmp_path: Path
) -> Iterator[Callable[..., Stack]]:
    """Build a gateway; keyword args override top-level routing keys (e.g. thresholds=...);
    `settings` overrides process settings (e.g. api_keys=...)."""
    with contextlib.ExitStack() as stack:

        def make(settings: dict[str, Any] | None = None, **overrides: Any) -> Stack:
            local = make_upstream_double(model_name="smollm2-135m")
            hosted = make_upstream_double(model_name="gpt-4.1")
            routing = routing_for(local, hosted, **overrides)
            app = create_app(
                Settings(
                    **{
                        "launch_workers": False,
                        "decision_log": tmp_path / "decisions.jsonl",
                        **(settings or {}),
                    }
                ),
                routing,
                env={"HOSTED_KEY": HOSTED_KEY},
            )
            root = stack.enter_context(serve_in_thread(app))
            client = openai.OpenAI(
                base_url=root + "/v1", api_key="sk-client", max_retries=0, timeout=15
            )
            stack.callback(client.close)
            return Stack(root + "/v1", local, hosted, client, routing)

        yield make


@pytest.fixture
def gw(make_stack: Callable[..., Stack]) -> Stack:
    """Default stack: thresholds 0.5 / 0.5."""
    return make_stack()


# Difficulty thresholds that make the route independent of the trained model's exact scores.
ALL_LOCAL = {"difficulty": 1.0, "sensitivity": 0.5}
ALL_FRONTIER = {"difficulty": 0.0, "sensitivity": 0.5}


def eventually(check: Callable[[], bool], seconds: float = 5.0) -> None:
    """Poll `check` until it holds; fail after `seconds` (every wait in these tests is bounded)."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)
