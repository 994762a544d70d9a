"""What a result was measured on, and the one JSON shape every suite writes.

Results are only comparable within one file: the machine (2 shared cores, other jobs running)
is noisy, which is why every suite measures its baselines in the same run and reports ratios.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import subprocess
from collections.abc import Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"
REPO_ROOT = Path(__file__).resolve().parent.parent
SCHEMA_VERSION = 1
PACKAGES = (
    "fastapi",
    "starlette",
    "uvicorn",
    "uvloop",
    "httptools",
    "aiohttp",
    "orjson",
    "pydantic",
    "prometheus-client",
    "numpy",
    "scikit-learn",
    "redis",
    "presidio-analyzer",
    "spacy",
)


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _version(name: str) -> str | None:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _git_commit() -> str | None:
    """The checkout's commit (read-only git call), with `+dirty` when files are modified."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return head + ("+dirty" if dirty.strip() else "")


def machine() -> dict[str, Any]:
    """nproc, CPU model, kernel, Python and the versions of the packages that matter."""
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count() or 0
    return {
        "nproc": usable,
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "loadavg": [round(x, 2) for x in os.getloadavg()],
        "tiergate_commit": _git_commit(),
        "packages": {name: _version(name) for name in PACKAGES},
    }


def envelope(
    suite: str,
    argv: Sequence[str],
    config: dict[str, Any],
    results: dict[str, Any],
    host: dict[str, Any],
) -> dict[str, Any]:
    """The document a suite writes: what, how, where, when, then its own results. `host` is
    `machine()` taken before the suite ran (load average at start, affinity not yet pinned)."""
    return {
        "suite": suite,
        "schema": SCHEMA_VERSION,
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "command": "python -m bench " + " ".join(argv),
        "machine": host,
        "config": config,
        **results,
    }


def write_result(out_dir: Path, document: dict[str, Any]) -> Path:
    """Overwrite `<out_dir>/<suite>.json` (the latest run of that suite)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{document['suite']}.json"
    path.write_text(json.dumps(document, indent=2, sort_keys=False) + "\n", encoding="utf-8")
    return path
