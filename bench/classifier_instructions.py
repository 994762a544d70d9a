"""Instructions per `Classifier.score()`, counted by valgrind: a repeatable A/B on a noisy machine.

    python -m bench.classifier_instructions [--baseline REV] [--calls 30]

Wall-clock percentiles of the classifier move by 20 % and more between runs on these shared
machines, so a change worth 5 % cannot be seen in them. valgrind counts the instructions the
process executes (and simulates a cache), which gives the same count whatever else the machine
is doing. The driver scores the eight real 500-token prompts of `bench classifier` (Arena-Hard,
cycled) `--calls` times each; it runs twice, with 0 and with `--calls` rounds, and the
difference divided by the calls is the cost of `score()` alone, imports and load excluded. The
driver fixes the hash seed and, after the warm-up, moves every object alive to the collector's
permanent generation (`gc.freeze()`): the collector stays on, but a full collection then costs
what the calls left behind, not what the imports did, so the count no longer depends on
whether one happens to fall inside the measured calls.

`--baseline REV` measures a git revision the same way in the same run: it is checked out into a
temporary worktree, its C kernels are built in place, and the driver runs against it. The
report gives both and their ratio. Misses of a simulated 2 MB, 16-way L2 (`--LL`) show how much
of the weight tables falls out of cache. Needs `valgrind` (Debian's package) on the PATH; about
a minute per measured tree.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.machine import REPO_ROOT

PROMPT_TOKENS = 500
L2 = "--LL=2097152,16,64"  # 2 MiB, 16-way, 64-byte lines: the L2 of these machines
# Every run the same: a fixed hash seed; no BLAS worker threads (numpy's OpenBLAS starts threads
# that spin while they wait, tens of millions of instructions that differed from run to run);
# no .pyc written (a fresh worktree would compile its modules in the first run only).
_QUIET = {"PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
          "PYTHONDONTWRITEBYTECODE": "1"}  # fmt: skip
DRIVER = """
import gc
import sys
from pathlib import Path
from bench.classifier import corpus_words, texts
from classifier import Classifier
words, _ = corpus_words(Path(sys.argv[2]))
requests = [[{"role": "system", "content": "You are a helpful assistant."},
             {"role": "user", "content": text}] for text in texts(words, int(sys.argv[3]))]
clf = Classifier.load()
for request in requests:
    clf.score(request)
gc.collect()
gc.freeze()
for _ in range(int(sys.argv[1])):
    for request in requests:
        clf.score(request)
"""


def _counts(tree: Path, calls: int, data: Path) -> dict[str, int]:
    """Instructions and simulated L2 misses of the driver run against `tree`."""
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "cachegrind.out"
        run = subprocess.run(
            ["valgrind", "--tool=cachegrind", "--cache-sim=yes", L2,
             f"--cachegrind-out-file={out}", sys.executable, "-c", DRIVER, str(calls), str(data),
             str(PROMPT_TOKENS)],
            cwd=tree, env={**os.environ, **_QUIET, "PYTHONPATH": str(tree)},
            capture_output=True, text=True, timeout=1800, check=False,
        )  # fmt: skip
    if run.returncode != 0:
        raise RuntimeError(f"valgrind failed in {tree}: {run.stderr[-800:]}")
    found = {}
    for key, label in (("instructions", r"I\s+refs"), ("l2_misses", r"LL\s+misses")):
        match = re.search(rf"{label}:\s+([\d,]+)", run.stderr)
        if match is None:
            raise RuntimeError(f"no {label!r} in valgrind's summary")
        found[key] = int(match.group(1).replace(",", ""))
    return found


def per_call(tree: Path, calls: int, data: Path) -> dict[str, float]:
    """The cost of one `score()`: (rounds of `calls`) minus (no rounds), per call."""
    idle, busy = _counts(tree, 0, data), _counts(tree, calls, data)
    n = calls * 8
    return {key: round((busy[key] - idle[key]) / n, 1) for key in busy}


def _build_worktree(rev: str, into: Path) -> Path:
    """`rev` checked out at `into` with its C kernels built in place."""
    subprocess.run(["git", "worktree", "add", "--detach", str(into), rev],
                   cwd=REPO_ROOT, check=True, capture_output=True)  # fmt: skip
    subprocess.run([sys.executable, "setup.py", "build_ext", "--inplace"],
                   cwd=into, check=True, capture_output=True)  # fmt: skip
    return into


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=30, help="rounds over the eight prompts")
    parser.add_argument("--baseline", help="a git revision measured the same way, same run")
    parser.add_argument("--data", type=Path, default=REPO_ROOT.parent / "shared" / "offline-data")
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        parser.error("valgrind is not on the PATH (apt-get install valgrind)")
    report: dict[str, Any] = {"calls": args.calls * 8, "prompt_tokens": PROMPT_TOKENS}
    report["tree"] = per_call(REPO_ROOT, args.calls, args.data)
    if args.baseline:
        with tempfile.TemporaryDirectory() as scratch:
            worktree = Path(scratch) / "baseline"
            try:
                base = per_call(_build_worktree(args.baseline, worktree), args.calls, args.data)
            finally:
                subprocess.run(["git", "worktree", "remove", "--force", str(worktree)],
                               cwd=REPO_ROOT, check=False, capture_output=True)  # fmt: skip
        report["baseline"] = {"rev": args.baseline, **base}
        report["ratio_tree_to_baseline"] = {
            key: round(report["tree"][key] / base[key], 3) for key in base if base[key]
        }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
