"""Building supervisors from the routing config, and choosing which workers to launch.

Nothing here spawns a process or opens a socket: running supervisors are covered by
tests/integration/test_worker_llamacpp.py.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import pytest

from router.errors import ConfigError
from router.routing import Routing, Upstream, parse_routing
from workers.launch import EXIT_USAGE, run_workers, select_workers
from workers.supervisor import Supervisor, build_supervisor, log_tail


def routing(**upstreams: dict[str, Any]) -> Routing:
    return parse_routing(
        {
            "upstreams": upstreams,
            "tiers": {"local": {"targets": list(upstreams), "model": "smollm2-135m"}},
        }
    )


LLAMA = {
    "kind": "llamacpp",
    "base_url": "http://127.0.0.1:8001/v1",
    "worker": {"device": "cpu", "model": "/m.gguf", "startup_timeout": 42},
}
VLLM = {
    "kind": "vllm",
    "base_url": "http://127.0.0.1:8002/v1",
    "worker": {"engine": "vllm"},
}
REMOTE = {"kind": "openai", "base_url": "https://api.example/v1"}


def test_llamacpp_supervisor_runs_our_interpreter_with_a_scrubbed_env(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PORT", "80")
    monkeypatch.setenv("TIERGATE_MARKER", "kept")
    sup = build_supervisor("local-small", Upstream.model_validate(LLAMA))
    assert isinstance(sup, Supervisor)
    assert sup.argv[:3] == [sys.executable, "-m", "llama_cpp.server"]
    assert sup.ready_url == "http://127.0.0.1:8001/v1/models"
    assert sup.startup_timeout == 42
    assert sup.env is not None
    assert "PORT" not in sup.env
    assert sup.env["TIERGATE_MARKER"] == "kept"
    assert sup.log_path.name == "local-small.log"


def test_vllm_supervisor_lets_exported_variables_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DO_NOT_TRACK", "0")
    sup = build_supervisor("gpu", Upstream.model_validate(VLLM), log_path=Path("/x/gpu.log"))
    assert sup.argv[:2] == ["vllm", "serve"]
    assert sup.ready_url == "http://127.0.0.1:8002/health"
    assert sup.env is not None
    assert sup.env["VLLM_NO_USAGE_STATS"] == "1"
    assert sup.env["DO_NOT_TRACK"] == "0"
    assert sup.log_path == Path("/x/gpu.log")


def test_an_upstream_without_a_worker_cannot_be_supervised() -> None:
    with pytest.raises(ConfigError, match="no `worker` section"):
        build_supervisor("frontier", Upstream.model_validate(REMOTE))


def test_missing_llama_cpp_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ConfigError, match=r"pip install 'llama-cpp-python\[server\]'"):
        build_supervisor("local-small", Upstream.model_validate(LLAMA))


def test_select_launches_every_worker_by_default_and_only_the_named_ones_otherwise() -> None:
    config = routing(a=LLAMA, b=VLLM, remote=REMOTE)
    assert select_workers(config, None) == ["a", "b"]
    assert select_workers(config, ["b", "b"]) == ["b"]


def test_select_names_unknown_and_unlaunchable_upstreams() -> None:
    config = routing(a=LLAMA, remote=REMOTE)
    with pytest.raises(ConfigError) as caught:
        select_workers(config, ["nope", "remote"])
    assert "unknown upstream(s): nope" in str(caught.value)
    assert "without a `worker` section: remote" in str(caught.value)


def test_select_refuses_a_config_with_nothing_to_launch() -> None:
    with pytest.raises(ConfigError, match="nothing to launch"):
        select_workers(routing(remote=REMOTE), None)


def test_run_workers_exits_2_on_unknown_names(capsys: pytest.CaptureFixture[str]) -> None:
    assert run_workers(routing(a=LLAMA), ["ghost"]) == EXIT_USAGE
    assert "ghost" in capsys.readouterr().err


def test_log_tail_keeps_the_last_lines(tmp_path: Path) -> None:
    log = tmp_path / "w.log"
    log.write_text("".join(f"line {i}\n" for i in range(100)))
    assert log_tail(log, 3) == "line 97\nline 98\nline 99"
    assert log_tail(tmp_path / "missing.log") == ""
