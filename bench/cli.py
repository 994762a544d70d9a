"""`python -m bench <suite>` / `tiergate bench <suite>`: run one suite (or all), write its JSON.

Each suite module offers `add_arguments(parser)`, `tiny(args)` (the smallest configuration
that still exercises everything, for the smoke test), `config(args)` and `run(args) -> dict`.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.machine import RESULTS_DIR, envelope, machine, write_result

SUITES = ("overhead", "classifier", "routing", "cache")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tiergate bench", description=__doc__)
    sub = p.add_subparsers(dest="suite", required=True)
    for name in (*SUITES, "all"):
        s = sub.add_parser(name, help=f"run the {name} suite")
        s.add_argument("--tiny", action="store_true", help="smallest configuration (smoke test)")
        s.add_argument("--out", type=Path, default=RESULTS_DIR, help="results folder")
        if name != "all":
            importlib.import_module(f"bench.{name}").add_arguments(s)
    return p


def run_suite(name: str, args: argparse.Namespace, argv: Sequence[str]) -> Path:
    module = importlib.import_module(f"bench.{name}")
    if args.suite == "all":  # defaults of that suite, then --tiny
        args = _parser().parse_args(
            [name, *(["--tiny"] if args.tiny else []), "--out", str(args.out)]
        )
    if args.tiny:
        module.tiny(args)
    print(f"bench {name}: running", file=sys.stderr)
    host = machine()
    results = module.run(args)
    path = write_result(args.out, envelope(name, argv, module.config(args), results, host))
    print(f"bench {name}: wrote {path}", file=sys.stderr)
    return path


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    for name in SUITES if args.suite == "all" else (args.suite,):
        run_suite(name, args, argv)
    return 0
