"""Run `tiergate serve` as a real separate process, for tests about the process itself:
memory under load, SIGTERM draining, Redis failing under load."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from tests.fakes.redis_server import free_port
from tests.integration.conftest import HOSTED_KEY


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


@contextmanager
def gateway_process(
    routing: dict[str, Any], tmp: Path, **env: str
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Start the gateway with this routing document; yields (base URL ending /v1, process)."""
    config = tmp / "tiergate.yaml"
    config.write_text(yaml.safe_dump(routing))
    port = free_port()
    environ = {
        **os.environ,
        "TIERGATE_LAUNCH_WORKERS": "false",
        "TIERGATE_LOG_LEVEL": "warning",
        "TIERGATE_DECISION_LOG": str(tmp / "decisions.jsonl"),
        "HOSTED_KEY": HOSTED_KEY,
        **env,
    }
    environ.pop("TIERGATE_API_KEYS", None)
    log = (tmp / "gateway.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "router.cli", "serve", "--config", str(config), "--port", str(port)],
        env=environ,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    root = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, (tmp / "gateway.log").read_text()
            try:
                with urllib.request.urlopen(root + "/healthz", timeout=1) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            assert time.monotonic() < deadline, "gateway did not start"
            time.sleep(0.1)
        yield root + "/v1", proc
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)
        log.close()
