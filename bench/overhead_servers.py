"""The overhead suite's processes: the instant double, tiergate and LiteLLM, configured alike.

Core layout on a machine with two or more cores (`core_layout`): the load generator and the
double share the first core; the contender under test (tiergate or LiteLLM) has the last core to
itself. Every contender then meets the same client and the same upstream, and the direct
baseline's client and double compete for one core exactly as they do behind a gateway.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from bench.machine import REPO_ROOT
from bench.processes import Server, ServerError, free_port

API_KEY = "sk-bench"
UNSET = ("TIERGATE_REDIS_URL", "TIERGATE_CONFIG", "TIERGATE_KEYS_FILE", "TIERGATE_ADMIN_KEY")
LITELLM_VENV = Path.home() / ".cache" / "tiergate-bench" / "litellm-venv"
OTHER_GATEWAYS = {
    "tensorzero": "not run: the `tensorzero` PyPI package is the client (its embedded mode runs "
    "in the caller's process, not as an HTTP gateway); the gateway ships as a Docker image / "
    "Rust build only",
    "bifrost": "not run: the `@maximhq/bifrost` npm package is a launcher that downloads the Go "
    "binary from the vendor's CDN at run time, not a build carried by the package",
}


def core_layout() -> tuple[list[int], list[int]]:
    """(cores for the load generator and the double, cores for the contender under test)."""
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else [0]
    if len(cores) < 2:
        return cores, cores
    return cores[:1], cores[-1:]


def routing_yaml(double_port: int) -> str:
    base = f"http://127.0.0.1:{double_port}/v1"
    return f"""\
upstreams:
  local-small: {{kind: llamacpp, base_url: "{base}"}}
  frontier: {{kind: openai, base_url: "{base}", api_key_env: BENCH_FRONTIER_KEY}}
tiers:
  local: {{targets: [local-small], model: bench-small, price: {{input: 0.0, output: 0.0}}}}
  frontier: {{targets: [frontier], model: bench-large, price: {{input: 2.0, output: 8.0}}}}
thresholds: {{difficulty: 0.5, sensitivity: 0.5}}
"""


def litellm_yaml(double_port: int) -> str:
    return f"""\
model_list:
  - model_name: bench-model
    litellm_params:
      model: openai/bench-model
      api_base: http://127.0.0.1:{double_port}/v1
      api_key: sk-double
general_settings:
  master_key: {API_KEY}
litellm_settings:
  drop_params: true
"""


def start_servers(args: argparse.Namespace, tmp: Path) -> tuple[dict[str, Server], dict[str, str]]:
    """The double, the gateway and (unless skipped) LiteLLM; unavailable ones with a reason."""
    servers: dict[str, Server] = {}
    client_cpus, server_cpus = core_layout()
    skipped: dict[str, str] = dict(OTHER_GATEWAYS)
    dport = free_port()
    servers["double"] = Server(
        "double",
        [sys.executable, "-m", "bench.double", "--port", str(dport)],
        dport,
        tmp,
        cwd=REPO_ROOT,
        cpus=client_cpus,
    )
    servers["double"].start(30)
    (tmp / "routing.yaml").write_text(routing_yaml(dport))
    gport = free_port()
    env = {
        "TIERGATE_API_KEYS": f"{API_KEY}:bench",
        "TIERGATE_LAUNCH_WORKERS": "false",
        "TIERGATE_LOG_LEVEL": "warning",
        "TIERGATE_DECISION_LOG": str(tmp / "d.jsonl"),
        "BENCH_FRONTIER_KEY": "sk-double",
    }
    argv = [
        sys.executable,
        "-m",
        "router.cli",
        "serve",
        "--config",
        str(tmp / "routing.yaml"),
        "--host",
        "127.0.0.1",
        "--port",
        str(gport),
    ]
    servers["tiergate"] = Server(
        "tiergate",
        argv,
        gport,
        tmp,
        env=env,
        ready_path="/readyz",
        cwd=REPO_ROOT,
        unset=UNSET,
        cpus=server_cpus,
    )
    servers["tiergate"].start(60)
    if args.no_litellm:
        skipped["litellm"] = "skipped (--no-litellm or --tiny)"
        return servers, skipped
    exe = LITELLM_VENV / "bin" / "litellm"
    if not exe.exists():
        skipped["litellm"] = (
            f"unavailable: {exe} not found; install with `python -m venv "
            f"{LITELLM_VENV} && {LITELLM_VENV}/bin/pip install 'litellm[proxy]'`"
        )
        return servers, skipped
    (tmp / "litellm.yaml").write_text(litellm_yaml(dport))
    lport = free_port()
    lenv = {
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "LITELLM_LOG": "ERROR",
        "LITELLM_TELEMETRY": "False",
    }
    largv = [
        str(exe),
        "--config",
        str(tmp / "litellm.yaml"),
        "--host",
        "127.0.0.1",
        "--port",
        str(lport),
        "--num_workers",
        "1",
    ]
    server = Server(
        "litellm",
        largv,
        lport,
        tmp,
        env=lenv,
        ready_path="/health/liveliness",
        unset=("DATABASE_URL",),
        cpus=server_cpus,
    )
    try:
        server.start(180)
        servers["litellm"] = server
    except ServerError as exc:
        skipped["litellm"] = f"unavailable: {exc}"
    return servers, skipped
