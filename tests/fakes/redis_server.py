"""A real `redis-server` process on a free 127.0.0.1 port, for integration tests.

with RedisServer() as server:
    server.url        # redis://127.0.0.1:<port>/0
    server.stop()     # Redis is gone (connections refused) ...
    server.start()    # ... and back, on the same port, empty
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from typing import IO

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

__all__ = ["RedisServer", "RedisServerNotInstalledError", "free_port"]

INSTALL_HINT = (
    "redis-server is not on PATH. Integration tests need a real Redis: "
    "install it (apt-get install redis-server)."
)


class RedisServerNotInstalledError(RuntimeError):
    pass


def free_port(host: str = "127.0.0.1") -> int:
    """A port that was free a moment ago (the OS picks it; there is a small reuse race)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


class RedisServer:
    """A redis-server child process (no persistence: `--save "" --appendonly no`)."""

    def __init__(self, port: int | None = None, *, executable: str = "redis-server") -> None:
        path = shutil.which(executable)
        if path is None:
            raise RedisServerNotInstalledError(INSTALL_HINT)
        self.executable = path
        self.host = "127.0.0.1"
        self.port = port if port is not None else free_port(self.host)
        self._workdir = tempfile.TemporaryDirectory(prefix="tiergate-redis-")
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    @property
    def log_path(self) -> Path:
        return Path(self._workdir.name) / "redis.log"

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def ping(self, timeout: float = 0.5) -> bool:
        client = redis.Redis(
            host=self.host,
            port=self.port,
            socket_connect_timeout=timeout,
            socket_timeout=timeout,
            retry=Retry(NoBackoff(), 0),  # one try: redis-py retries with backoff by default
        )
        try:
            return bool(client.ping())
        except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
            return False
        finally:
            client.close()

    def start(self, timeout: float = 10.0) -> str:
        """Start redis-server on `self.port` and wait until it answers PING. Returns the URL."""
        if self.running:
            raise RuntimeError(f"redis-server already running on {self.url}")
        self._close_log()
        self._log = self.log_path.open("ab")
        self._proc = subprocess.Popen(
            [
                self.executable,
                "--bind",
                self.host,
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--enable-debug-command",  # DEBUG SLEEP stalls Redis for budget tests
                "local",
                "--dir",
                self._workdir.name,
                "--daemonize",
                "no",
                "--protected-mode",
                "yes",
                "--logfile",
                "",
            ],
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while not self.ping(timeout=0.2):
            if self._proc.poll() is not None:
                code = self._proc.returncode
                self._reap()
                raise RuntimeError(
                    f"redis-server exited with code {code} before answering PING on {self.url}"
                    f":\n{self._log_tail()}"
                )
            if time.monotonic() > deadline:
                self.stop()
                raise TimeoutError(
                    f"redis-server did not answer PING on {self.url} within {timeout} s"
                    f":\n{self._log_tail()}"
                )
            time.sleep(0.02)
        return self.url

    def stop(self, timeout: float = 10.0, *, kill: bool = False) -> None:
        """Stop the process (SIGTERM, or SIGKILL with kill=True, as a crash). The port stays
        reserved for start(). Nothing is persisted, so a restarted server is empty."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            if kill:
                proc.kill()
            else:
                proc.terminate()
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout)
        self._reap()

    def ensure_running(self, timeout: float = 10.0) -> None:
        """Start it again if a test stopped it (or it died)."""
        if not self.running:
            self._reap()
            self.start(timeout)

    def close(self) -> None:
        self.stop()
        self._close_log()
        self._workdir.cleanup()

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def _reap(self) -> None:
        if self._proc is not None:
            if self._proc.poll() is None:
                self._proc.kill()
            self._proc.wait()
            self._proc = None

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def _log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])
