"""Run an ASGI app under a real uvicorn server, in a daemon thread, on 127.0.0.1.

Used for the upstream doubles and for the gateway app itself in integration tests.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import Any

import uvicorn
from uvicorn.config import LifespanType

__all__ = ["ServerThread", "serve_in_thread"]

_POLL_S = 0.01


class ServerThread:
    """One uvicorn server in a daemon thread. Prefer `serve_in_thread`. This class is for
    tests that need the handle too (to force-close the server, say)."""

    def __init__(
        self,
        app: Any,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        lifespan: LifespanType = "on",
        http: str = "auto",
        timeout_graceful_shutdown: int = 3,
    ) -> None:
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError(f"test servers bind to loopback only, not {host!r}")
        self.config = uvicorn.Config(
            app,
            host=host,
            port=port,
            loop="asyncio",
            http=http,
            ws="none",
            lifespan=lifespan,
            log_config=None,  # leave logging to pytest; uvicorn's logs still propagate to root
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=timeout_graceful_shutdown,
            timeout_keep_alive=5,
        )
        self.server = uvicorn.Server(self.config)
        self._thread = threading.Thread(
            target=self._run, name=f"uvicorn-{host}:{port or 'auto'}", daemon=True
        )
        self._error: BaseException | None = None
        self.host = host
        self.port = 0

    def _run(self) -> None:
        try:
            self.server.run()
        except BaseException as exc:  # SystemExit from a failed lifespan startup, too
            self._error = exc

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self, timeout: float = 10.0) -> str:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self._thread.is_alive():
                raise RuntimeError(
                    f"uvicorn exited before it started (lifespan startup failed?): {self._error!r}"
                    " - the server's own log is in the captured log output"
                )
            if time.monotonic() > deadline:
                self.server.should_exit = True
                self._thread.join(timeout)
                raise TimeoutError(f"uvicorn did not start within {timeout} s")
            time.sleep(_POLL_S)
        self.port = int(self.server.servers[0].sockets[0].getsockname()[1])
        return self.url

    def stop(self, timeout: float = 10.0) -> None:
        if not self._thread.is_alive():
            return
        self.server.should_exit = True
        self._thread.join(timeout)
        if self._thread.is_alive():
            # Connections or tasks that would not end: stop waiting for them.
            self.server.force_exit = True
            self._thread.join(timeout)
        if self._thread.is_alive():
            raise TimeoutError(f"uvicorn at {self.url} did not shut down within {2 * timeout} s")


@contextlib.contextmanager
def serve_in_thread(
    app: Any,
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    lifespan: LifespanType = "on",
    http: str = "auto",
    startup_timeout: float = 10.0,
    shutdown_timeout: float = 10.0,
    timeout_graceful_shutdown: int = 3,
) -> Iterator[str]:
    """Serve `app` with uvicorn in a daemon thread and yield its base URL,
    `http://127.0.0.1:<port>` (no trailing slash).

    `port=0` picks a free port. Lifespan startup finishes before the URL is yielded, and lifespan
    shutdown runs on exit. Both waits are bounded. An app whose startup fails raises RuntimeError
    here, not a hang.
    """
    server = ServerThread(
        app,
        host,
        port,
        lifespan=lifespan,
        http=http,
        timeout_graceful_shutdown=timeout_graceful_shutdown,
    )
    url = server.start(startup_timeout)
    try:
        yield url
    finally:
        server.stop(shutdown_timeout)
