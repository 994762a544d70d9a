"""Supervised workers as real child processes on 127.0.0.1.

Most tests run a tiny stand-in server (`python -c`, http.server) so start, readiness, restart
and stop are checked in a second or two. The `e2e` test runs the real llama-cpp-python server
with SmolLM2 and asks it a real chat completion.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import aiohttp
import pytest

from router.routing import Upstream
from workers.probe import port_in_use
from workers.supervisor import Supervisor, WorkerError, build_supervisor

FAKE_SERVER = """
import http.server, signal, sys
if sys.argv[2] == "ignore-term":
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'{"object": "list", "data": []}'
        self.send_response(200 if self.path == "/v1/models" else 404)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
print("fake worker listening", flush=True)
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def fake_supervisor(tmp_path: Path, mode: str = "normal", timeout: float = 10.0) -> Supervisor:
    port = free_port()
    argv = [sys.executable, "-c", FAKE_SERVER, str(port), mode]
    url = f"http://127.0.0.1:{port}/v1/models"
    return Supervisor("fake", argv, url, None, timeout, tmp_path / "fake.log")


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


async def eventually(check: Callable[[], bool], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.05)


async def test_supervisor_starts_restarts_and_stops_a_worker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("workers.supervisor.BACKOFF_INITIAL", 0.05)
    sup = fake_supervisor(tmp_path)
    try:
        await sup.start()
        assert await sup.wait_ready() < 10
        assert sup.ready
        first = sup.pid
        assert first is not None
        os.killpg(first, signal.SIGKILL)
        await eventually(lambda: sup.restarts == 1 and sup.ready)
        assert sup.pid != first
        second = sup.pid
    finally:
        await sup.stop(grace=5)
    assert not sup.ready
    assert second is not None and not alive(second)
    assert not await port_in_use(sup.ready_url)
    assert "fake worker listening" in (tmp_path / "fake.log").read_text()


async def test_stop_kills_a_worker_that_ignores_sigterm(tmp_path: Path) -> None:
    sup = fake_supervisor(tmp_path, "ignore-term")
    await sup.start()
    try:
        await sup.wait_ready()
    finally:
        started = time.monotonic()
        await sup.stop(grace=0.5)
    assert time.monotonic() - started < 5
    assert sup.pid is not None and not alive(sup.pid)


async def test_a_worker_that_exits_early_reports_its_log(tmp_path: Path) -> None:
    argv = [sys.executable, "-c", "import sys; print('model file is corrupt'); sys.exit(3)"]
    sup = Supervisor(
        "broken",
        argv,
        f"http://127.0.0.1:{free_port()}/v1/models",
        None,
        10.0,
        tmp_path / "broken.log",
    )
    await sup.start()
    try:
        with pytest.raises(WorkerError, match=r"(?s)exited with code 3.*model file is corrupt"):
            await sup.wait_ready()
        await asyncio.sleep(0.1)
        assert sup.restarts == 0  # never ready: not restarted
    finally:
        await sup.stop()


async def test_a_worker_that_never_listens_times_out(tmp_path: Path) -> None:
    argv = [sys.executable, "-c", "import time; time.sleep(60)"]
    sup = Supervisor(
        "mute", argv, f"http://127.0.0.1:{free_port()}/v1/models", None, 0.5, tmp_path / "mute.log"
    )
    await sup.start()
    try:
        with pytest.raises(WorkerError, match="was not ready"):
            await sup.wait_ready()
    finally:
        await sup.stop(grace=2)
    assert sup.pid is not None and not alive(sup.pid)


async def test_start_refuses_a_port_that_is_already_taken(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        sup = Supervisor(
            "clash",
            [sys.executable, "-c", "pass"],
            f"http://127.0.0.1:{port}/v1/models",
            None,
            5.0,
            tmp_path / "c.log",
        )
        with pytest.raises(WorkerError, match="already listens"):
            await sup.start()
    assert sup.pid is None


def test_tiergate_worker_announces_readiness_and_stops_on_sigint(tmp_path: Path) -> None:
    """run_workers end to end, in a child so its SIGINT handling is the real one."""
    port = free_port()
    fake_python = tmp_path / "python"
    fake_python.write_text(  # stands in for `python -m llama_cpp.server ... --port P`
        f"#!{sys.executable}\nimport sys\na = sys.argv\n"
        f"sys.argv = ['-c', a[a.index('--port') + 1], 'normal']\nexec({FAKE_SERVER!r})\n"
    )
    fake_python.chmod(0o755)
    config = {
        "upstreams": {
            "w": {
                "kind": "llamacpp",
                "base_url": f"http://127.0.0.1:{port}/v1",
                "worker": {"model": "/unused.gguf", "python": str(fake_python)},
            }
        },
        "tiers": {"local": {"targets": ["w"], "model": "m"}},
    }
    script = (
        "import json, sys\n"
        "from router.routing import parse_routing\n"
        "from workers.launch import run_workers\n"
        "raise SystemExit(run_workers(parse_routing(json.loads(sys.argv[1]))))\n"
    )
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root), "TMPDIR": str(tmp_path)}
    argv = [sys.executable, "-c", script, json.dumps(config)]
    with subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
    ) as proc:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith(f"w: ready at http://127.0.0.1:{port}/v1 in "), line
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", port)) != 0  # the worker is gone


@pytest.mark.e2e
async def test_real_llamacpp_worker_serves_smollm2(tmp_path: Path) -> None:
    if importlib.util.find_spec("llama_cpp") is None:
        reason = "llama-cpp-python is not installed: pip install 'llama-cpp-python[server]'"
        if os.environ.get("TIERGATE_SKIP_E2E") == "1":
            pytest.skip(reason)
        pytest.fail(reason + " (or set TIERGATE_SKIP_E2E=1 to skip)")
    port = free_port()
    upstream = Upstream.model_validate(
        {
            "kind": "llamacpp",
            "base_url": f"http://127.0.0.1:{port}/v1",
            "model": "smollm2-135m",
            "worker": {"engine": "llamacpp", "device": "cpu", "startup_timeout": 120},
        }
    )
    sup = build_supervisor("local-small", upstream, log_path=tmp_path / "llamacpp.log")
    await sup.start()
    try:
        seconds = await sup.wait_ready()
        assert sup.ready
        print(f"SmolLM2 llama.cpp worker ready in {seconds:.2f} s")
        body = {
            "model": "smollm2-135m",
            "messages": [{"role": "user", "content": "Say hello in one word."}],
            "max_tokens": 8,
            "temperature": 0,
        }
        timeout = aiohttp.ClientTimeout(total=60)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            url = f"{upstream.base_url}/chat/completions"
            async with session.post(url, json=body) as resp:
                assert resp.status == 200, await resp.text()
                answer = await resp.json()
        assert answer["object"] == "chat.completion"
        assert answer["model"] == "smollm2-135m"
        assert answer["choices"][0]["message"]["content"].strip()
        assert answer["usage"]["completion_tokens"] > 0
    finally:
        await sup.stop()
    assert sup.pid is not None and not alive(sup.pid)
    assert not await port_in_use(sup.ready_url)
