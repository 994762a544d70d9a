"""The vLLM worker's exact command line and environment, on GPU and on the CPU build."""

from __future__ import annotations

import sys
from typing import Any

from router.routing import Upstream
from workers.probe import ready_url
from workers.vllm import vllm_argv, vllm_env


def upstream(upstream_model: str | None = None, **worker: Any) -> Upstream:
    return Upstream.model_validate(
        {
            "kind": "vllm",
            "base_url": "http://127.0.0.1:8002/v1",
            "model": upstream_model,
            "worker": {"engine": "vllm", **worker},
        }
    )


def test_gpu_default_serves_smollm2_under_the_local_alias() -> None:
    up = upstream()
    assert up.worker is not None
    assert vllm_argv(up.worker, up) == [
        "vllm", "serve", "HuggingFaceTB/SmolLM2-135M-Instruct",
        "--host", "127.0.0.1",
        "--port", "8002",
        "--served-model-name", "smollm2-135m",
        "--gpu-memory-utilization", "0.9",
        "--enable-prefix-caching",
        "--dtype", "auto",
    ]  # fmt: skip


def test_gpu_with_every_knob_set() -> None:
    up = upstream(
        "qwen-small",
        model="Qwen/Qwen2.5-1.5B-Instruct",
        max_model_len=8192,
        gpu_memory_utilization=0.5,
        dtype="bfloat16",
        enable_prefix_caching=False,
        extra_args=["--tensor-parallel-size", "2"],
    )
    assert up.worker is not None
    assert vllm_argv(up.worker, up) == [
        "vllm", "serve", "Qwen/Qwen2.5-1.5B-Instruct",
        "--host", "127.0.0.1",
        "--port", "8002",
        "--served-model-name", "qwen-small",
        "--max-model-len", "8192",
        "--gpu-memory-utilization", "0.5",
        "--no-enable-prefix-caching",
        "--dtype", "bfloat16",
        "--tensor-parallel-size", "2",
    ]  # fmt: skip


def test_served_name_defaults_to_the_model_when_one_is_given() -> None:
    up = upstream(model="org/model")
    assert up.worker is not None
    argv = vllm_argv(up.worker, up)
    assert argv[argv.index("--served-model-name") + 1] == "org/model"


def test_cpu_build_runs_the_api_server_module_in_float32_without_gpu_flags() -> None:
    up = upstream(device="cpu", python="/opt/vllm-cpu/bin/python", max_model_len=4096)
    assert up.worker is not None
    assert vllm_argv(up.worker, up) == [
        "/opt/vllm-cpu/bin/python", "-m", "vllm.entrypoints.openai.api_server",
        "--model", "HuggingFaceTB/SmolLM2-135M-Instruct",
        "--host", "127.0.0.1",
        "--port", "8002",
        "--served-model-name", "smollm2-135m",
        "--max-model-len", "4096",
        "--enable-prefix-caching",
        "--dtype", "float32",
        "--enforce-eager",
    ]  # fmt: skip


def test_cpu_build_defaults_to_our_interpreter_and_keeps_an_explicit_dtype() -> None:
    up = upstream(device="cpu", dtype="bfloat16")
    assert up.worker is not None
    argv = vllm_argv(up.worker, up)
    assert argv[:3] == [sys.executable, "-m", "vllm.entrypoints.openai.api_server"]
    assert argv[-3:] == ["--dtype", "bfloat16", "--enforce-eager"]


def test_cpu_extra_args_come_last_so_they_can_turn_compilation_back_on() -> None:
    up = upstream(device="cpu", enable_prefix_caching=False, extra_args=["--no-enforce-eager"])
    assert up.worker is not None
    argv = vllm_argv(up.worker, up)
    assert "--no-enable-prefix-caching" in argv
    assert argv[-2:] == ["--enforce-eager", "--no-enforce-eager"]


def test_gpu_with_an_interpreter_uses_the_module_form() -> None:
    up = upstream(python="/venv/bin/python")
    assert up.worker is not None
    argv = vllm_argv(up.worker, up)
    assert argv[:5] == ["/venv/bin/python", "-m", "vllm.entrypoints.openai.api_server",
                        "--model", "HuggingFaceTB/SmolLM2-135M-Instruct"]  # fmt: skip
    assert "--gpu-memory-utilization" in argv


def test_env_turns_usage_stats_off_everywhere() -> None:
    up = upstream()
    assert up.worker is not None
    assert vllm_env(up.worker) == {"VLLM_NO_USAGE_STATS": "1", "DO_NOT_TRACK": "1"}


def test_cpu_env_sizes_the_kv_cache_and_binds_threads() -> None:
    up = upstream(device="cpu", n_threads=4)
    assert up.worker is not None
    assert vllm_env(up.worker) == {
        "VLLM_NO_USAGE_STATS": "1",
        "DO_NOT_TRACK": "1",
        "VLLM_CPU_KVCACHE_SPACE": "4",
        "VLLM_CPU_OMP_THREADS_BIND": "0-3",
    }


def test_readiness_is_the_root_health_route_for_vllm() -> None:
    assert ready_url(upstream()) == "http://127.0.0.1:8002/health"
