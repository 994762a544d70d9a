"""`tiergate worker`: start the model servers the routing config describes, and keep them up.

Every upstream with a `worker` section is launchable; naming upstreams restricts the launch to
those. The command blocks: it prints one line per worker once it is ready, supervises them
(restarting any that dies) until SIGINT or SIGTERM, then stops them all.

Exit codes: 0 after a clean shutdown, 1 when a worker failed to start, 2 for a usage error
(unknown or unlaunchable names, nothing to launch, a config problem such as a missing model).
"""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Sequence

from router.errors import ConfigError
from router.routing import Routing
from workers.supervisor import Supervisor, WorkerError, build_supervisor

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2
STOP_GRACE = 10.0


def select_workers(routing: Routing, names: Sequence[str] | None) -> list[str]:
    """The upstream names to launch; ConfigError names every unknown or unlaunchable one."""
    launchable = [name for name, up in routing.upstreams.items() if up.worker is not None]
    if not names:
        if not launchable:
            raise ConfigError("no upstream has a `worker` section: nothing to launch")
        return launchable
    unknown = [n for n in names if n not in routing.upstreams]
    no_worker = [n for n in names if n in routing.upstreams and n not in launchable]
    problems = []
    if unknown:
        problems.append(
            f"unknown upstream(s): {', '.join(unknown)} "
            f"(known: {', '.join(sorted(routing.upstreams))})"
        )
    if no_worker:
        problems.append(
            f"upstream(s) without a `worker` section: {', '.join(no_worker)} "
            f"(launchable: {', '.join(launchable) or 'none'})"
        )
    if problems:
        raise ConfigError("; ".join(problems))
    return list(dict.fromkeys(names))


def run_workers(routing: Routing, names: Sequence[str] | None = None) -> int:
    """Start, announce and supervise the workers until SIGINT/SIGTERM; returns an exit code."""
    try:
        selected = select_workers(routing, names)
        supervisors = [build_supervisor(name, routing.upstreams[name]) for name in selected]
    except ConfigError as exc:
        print(f"tiergate worker: {exc}", file=sys.stderr)
        return EXIT_USAGE
    base_urls = {name: routing.upstreams[name].base_url for name in selected}
    return asyncio.run(_supervise_all(supervisors, base_urls))


async def _start_one(supervisor: Supervisor, base_url: str) -> None:
    await supervisor.start()
    seconds = await supervisor.wait_ready()
    print(
        f"{supervisor.name}: ready at {base_url} in {seconds:.1f} s (log: {supervisor.log_path})",
        flush=True,
    )


async def _start_all(supervisors: list[Supervisor], base_urls: dict[str, str]) -> None:
    """Start every worker concurrently; the first failure cancels the others."""
    async with asyncio.TaskGroup() as group:
        for supervisor in supervisors:
            group.create_task(_start_one(supervisor, base_urls[supervisor.name]))


def _failures(exc: BaseException) -> list[str]:
    if isinstance(exc, BaseExceptionGroup):
        return [line for sub in exc.exceptions for line in _failures(sub)]
    if isinstance(exc, WorkerError | ConfigError):
        return [str(exc)]
    return [f"{type(exc).__name__}: {exc}"]  # e.g. the server executable is not installed


async def _supervise_all(supervisors: list[Supervisor], base_urls: dict[str, str]) -> int:
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    starting = asyncio.create_task(_start_all(supervisors, base_urls))
    stopped = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({starting, stopped}, return_when=asyncio.FIRST_COMPLETED)
        if not starting.done():  # interrupted during start-up
            starting.cancel()
            await asyncio.gather(starting, return_exceptions=True)
            return EXIT_OK
        if (exc := starting.exception()) is not None:
            for line in _failures(exc):
                print(f"tiergate worker: {line}", file=sys.stderr)
            return EXIT_FAILED
        print("all workers ready; supervising (Ctrl+C to stop)", flush=True)
        await stopped
        return EXIT_OK
    finally:
        stopped.cancel()
        await asyncio.gather(stopped, return_exceptions=True)
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await asyncio.gather(*(s.stop(STOP_GRACE) for s in supervisors))
