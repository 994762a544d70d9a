"""Run a local model server as a supervised child process.

Contract: `start()` spawns the server in its own process group (so a signal reaches the server
and every helper it forks, and a Ctrl+C in our terminal does not reach it behind our back) with
its output appended to a log file, never to our stdout. `wait_ready()` polls the readiness URL
until it answers 200; a child that exits first, or a start-up that outlasts `startup_timeout`,
raises `WorkerError` carrying the tail of the log, because that is where the real reason is.

Once a worker has been ready, a monitor task restarts it whenever it dies, after an exponential
backoff (1 s, 2 s, 4 s ... capped at 30 s; reset once a run has lasted a minute) and counts
`restarts`. A worker that never became ready is not restarted: a bad model path or a taken port
will not fix itself, and the caller is told instead. `stop()` sends SIGTERM to the process group,
then SIGKILL after `grace` seconds.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import logging
import os
import shlex
import signal
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import aiohttp

from router.errors import ConfigError, TiergateError
from router.routing import Upstream
from workers.llamacpp import llamacpp_argv, llamacpp_env
from workers.probe import port_in_use, probe, ready_url
from workers.vllm import vllm_argv, vllm_env

__all__ = ["Supervisor", "WorkerError", "build_supervisor", "ready_url"]

log = logging.getLogger("tiergate.workers")

POLL_INTERVAL = 0.25
BACKOFF_INITIAL = 1.0
BACKOFF_MAX = 30.0
BACKOFF_RESET_AFTER = 60.0  # a run this long counts as healthy: the next crash starts at 1 s
KILL_WAIT = 5.0
LOG_TAIL_LINES = 20


class WorkerError(TiergateError):
    """A worker could not be started: it exited, did not get ready in time, or its port is taken."""


def default_log_path(name: str) -> Path:
    return Path(tempfile.gettempdir()) / f"tiergate-{os.getuid()}" / "workers" / f"{name}.log"


def log_tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    """The last `lines` lines of a log file ('' if it cannot be read)."""
    try:
        with path.open("rb") as file:
            size = file.seek(0, os.SEEK_END)
            file.seek(max(0, size - 32768))
            data = file.read()
    except OSError:
        return ""
    return "\n".join(data.decode("utf-8", "replace").splitlines()[-lines:])


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


class Supervisor:
    """One supervised model server: spawn, readiness, restart on death, stop."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        ready_url: str,
        env: Mapping[str, str] | None = None,
        startup_timeout: float = 300.0,
        log_path: Path | None = None,
    ) -> None:
        """`env` is the child's whole environment (None: inherit ours)."""
        self.name = name
        self.argv = list(argv)
        self.ready_url = ready_url
        self.env = dict(env) if env is not None else None
        self.startup_timeout = startup_timeout
        self.log_path = log_path or default_log_path(name)
        self.restarts = 0
        self._proc: asyncio.subprocess.Process | None = None
        self._spawned_at = 0.0
        self._ready = False
        self._ever_ready = False
        self._stopping = False
        self._monitor: asyncio.Task[None] | None = None

    @property
    def ready(self) -> bool:
        """True while the current process is running and has answered its readiness probe."""
        return self._ready and self._proc is not None and self._proc.returncode is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    async def start(self) -> None:
        """Spawn the server. Refuses if its port already answers (another server would be
        mistaken for ours by the readiness probe)."""
        if self._proc is not None and self._proc.returncode is None:
            raise WorkerError(f"worker {self.name} is already running (pid {self._proc.pid})")
        if await port_in_use(self.ready_url):
            raise WorkerError(
                f"worker {self.name}: something already listens at {self.ready_url}; "
                "stop it or choose another port in the upstream's base_url"
            )
        self._stopping = False
        self._ever_ready = False
        await self._spawn()
        self._monitor = asyncio.create_task(self._supervise(), name=f"supervise-{self.name}")

    async def wait_ready(self) -> float:
        """Wait for the first readiness after `start()`; returns the seconds it took."""
        started = time.monotonic()
        await self._poll_ready(self.startup_timeout)
        self._ever_ready = True
        return time.monotonic() - started

    async def stop(self, grace: float = 10.0) -> None:
        """SIGTERM the process group, SIGKILL it after `grace` seconds; stops supervision."""
        self._stopping = True
        self._ready = False
        if self._monitor is not None:
            self._monitor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._monitor
            self._monitor = None
        if self._proc is not None:
            await self._terminate(self._proc, grace)

    async def _spawn(self) -> None:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log_file:
            banner = f"--- tiergate: starting {self.name}: {shlex.join(self.argv)}\n"
            log_file.write(banner.encode())
            log_file.flush()
            self._proc = await asyncio.create_subprocess_exec(
                *self.argv,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=log_file,
                stderr=asyncio.subprocess.STDOUT,
                env=self.env,
                start_new_session=True,
            )
        self._spawned_at = time.monotonic()

    async def _poll_ready(self, timeout: float) -> None:
        proc = self._proc
        if proc is None:
            raise WorkerError(f"worker {self.name} was not started")
        deadline = time.monotonic() + timeout
        async with aiohttp.ClientSession() as session:
            while True:
                if proc.returncode is not None:
                    raise self._error(f"exited with code {proc.returncode} before it was ready")
                if await probe(session, self.ready_url) and proc.returncode is None:
                    self._ready = True
                    return
                if time.monotonic() >= deadline:
                    raise self._error(f"was not ready at {self.ready_url} after {timeout:g} s")
                await asyncio.sleep(POLL_INTERVAL)

    def _error(self, what: str) -> WorkerError:
        tail = log_tail(self.log_path)
        shown = f"\n--- last lines of {self.log_path}:\n{tail}" if tail else ""
        return WorkerError(f"worker {self.name} {what}{shown}")

    async def _supervise(self) -> None:
        failures = 0
        while self._proc is not None:
            code = await self._proc.wait()
            self._ready = False
            if self._stopping or not self._ever_ready:
                return  # stopping, or a failed first start that wait_ready reports
            _signal_group(self._proc.pid, signal.SIGKILL)  # helpers may still hold the port
            if time.monotonic() - self._spawned_at >= BACKOFF_RESET_AFTER:
                failures = 0
            delay = min(BACKOFF_INITIAL * 2**failures, BACKOFF_MAX)
            failures += 1
            log.warning(
                "worker %s exited with code %s; restarting in %.0f s (log: %s)",
                self.name,
                code,
                delay,
                self.log_path,
            )
            await asyncio.sleep(delay)
            self.restarts += 1
            await self._spawn()
            try:
                await self._poll_ready(self.startup_timeout)
            except WorkerError as exc:
                log.warning("%s", exc)
                _signal_group(self._proc.pid, signal.SIGKILL)
            else:
                log.warning("worker %s is ready again (restart %d)", self.name, self.restarts)

    async def _terminate(self, proc: asyncio.subprocess.Process, grace: float) -> None:
        if proc.returncode is None:
            _signal_group(proc.pid, signal.SIGTERM)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(proc.wait(), grace)
        _signal_group(proc.pid, signal.SIGKILL)  # the leader if it ignored SIGTERM; stragglers
        try:
            await asyncio.wait_for(proc.wait(), KILL_WAIT)
        except TimeoutError:
            log.warning("worker %s (pid %d) did not exit after SIGKILL", self.name, proc.pid)


def build_supervisor(name: str, upstream: Upstream, log_path: Path | None = None) -> Supervisor:
    """A Supervisor for the worker described by `upstream.worker` (engine llamacpp or vllm)."""
    spec = upstream.worker
    if spec is None:
        raise ConfigError(f"upstream {name!r} has no `worker` section: nothing to launch")
    if spec.engine == "vllm":
        argv = vllm_argv(spec, upstream)
        env = {**vllm_env(spec), **os.environ}  # what the user exported wins
    else:
        python = spec.python or sys.executable
        if python == sys.executable and importlib.util.find_spec("llama_cpp") is None:
            raise ConfigError(
                f"upstream {name!r}: the llama.cpp worker needs llama-cpp-python; "
                "install it with: pip install 'llama-cpp-python[server]'"
            )
        argv = llamacpp_argv(spec, upstream, python)
        env = llamacpp_env(os.environ)
    return Supervisor(name, argv, ready_url(upstream), env, spec.startup_timeout, log_path)
