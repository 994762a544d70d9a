"""`tiergate` console script: serve, worker, classify.

Parsing and dispatch only; each subcommand calls into its package. Nothing runs at import.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from router.errors import ConfigError
from router.settings import Settings

PASS_THROUGH = {
    "calibrate": "classifier.commands:calibrate_main",
    "eval": "classifier.commands:eval_main",
    "distill": "classifier.commands:distill_main",
    "keys": "router.keys:keys_main",
}


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tiergate", description="Tiered model-routing gateway.")
    sub = p.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the OpenAI-compatible gateway")
    serve.add_argument("--config", type=Path, help="routing YAML (default: embedded default)")
    serve.add_argument("--host", help="bind address (TIERGATE_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (TIERGATE_PORT, default 8080)")
    serve.add_argument("--check", action="store_true", help="validate the config and exit")
    worker = sub.add_parser("worker", help="start and supervise local model servers")
    worker.add_argument("--config", type=Path, help="routing YAML (default: embedded default)")
    worker.add_argument("names", nargs="*", help="upstream names (default: every worker)")
    for name, text in (
        ("calibrate", "turn a target frontier share into a threshold"),
        ("eval", "cost/quality table of a threshold sweep"),
        ("distill", "distil a difficulty student from a teacher's labels"),
        ("keys", "client API keys: `keys hash` one, or `keys new --tenant T`"),
        ("bench", "benchmarks: bench <overhead|classifier|routing|cache|all> [--tiny]"),
    ):
        sub.add_parser(name, help=text, add_help=False)  # options parsed by the classifier
    classify = sub.add_parser("classify", help="score JSON lines from stdin")
    classify.add_argument(
        "--threshold",
        type=float,
        default=0.5,
        help="sensitivity threshold for the `sensitive` flag",
    )
    return p


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {
        k: getattr(args, k)
        for k in ("config", "host", "port")
        if getattr(args, k, None) is not None
    }
    return Settings(**overrides)


def serve(args: argparse.Namespace) -> int:
    import uvicorn

    from router.app import create_app
    from router.gateway import resolve_routing
    from router.logs import configure_logging
    from workers.pool import UpstreamPool

    settings = _settings(args)
    routing = resolve_routing(settings, os.environ)  # a bad file stops here, with its key path
    UpstreamPool.from_routing(routing, os.environ)  # and so does a missing API key variable
    if args.check:
        print(f"config ok: {len(routing.upstreams)} upstreams, tiers {', '.join(routing.tiers)}")
        return 0
    configure_logging(settings.log_level)
    app = create_app(settings, routing)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        loop="uvloop",
        http="httptools",
        ws="none",
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=int(settings.shutdown_grace),
    )
    return 0


def worker(args: argparse.Namespace) -> int:
    from router.gateway import resolve_routing
    from router.logs import configure_logging
    from workers.launch import run_workers

    settings = _settings(args)
    configure_logging(settings.log_level)
    return run_workers(resolve_routing(settings, os.environ), args.names or None)


def classify(args: argparse.Namespace) -> int:
    from classifier import Classifier
    from classifier.cli import run_classify

    return run_classify(sys.stdin, sys.stdout, Classifier.load(), args.threshold)


def bench(argv: list[str]) -> int:
    """bench/ ships with the source tree, not the wheel: run it from a checkout."""
    if (Path.cwd() / "bench" / "__main__.py").is_file():
        sys.path.insert(0, str(Path.cwd()))
    try:
        from bench.cli import main as bench_main
    except ImportError:
        print("tiergate bench: run it from a source checkout of tiergate", file=sys.stderr)
        return 2
    result: int = bench_main(argv)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["bench"]:
        return bench(argv[1:])
    if argv and argv[0] in PASS_THROUGH:  # subcommands that parse their own options
        module, function = PASS_THROUGH[argv[0]].split(":")
        command: Callable[[list[str]], int] = getattr(importlib.import_module(module), function)
        return command(argv[1:])
    args = _parser().parse_args(argv)
    handler = {"serve": serve, "worker": worker, "classify": classify}[args.command]
    try:
        return handler(args)
    except ConfigError as exc:
        print(f"tiergate: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
