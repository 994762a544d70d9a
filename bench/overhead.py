"""overhead: what tiergate adds in front of an instant upstream, against the same upstream called
directly and against the LiteLLM proxy, all in one run.

Contenders (each its own process; the load generator is another one; cores as in
`overhead_servers.core_layout`):
- `direct`         the instant double (bench/double.py) itself;
- `tiergate_miss`  `tiergate serve` in front of it, auth on, classifier, policy, metrics and the
                   decision log on; `temperature: 0` with `Cache-Control: no-cache`, so every
                   request takes the cache-miss path (key, single-flight lease, upstream call,
                   store write) without ever reading a hit;
- `tiergate_hit`   the same gateway, same body without the header: answered from the cache;
- `litellm`        `litellm --config` (from its own venv, no database, master key on), pointed at
                   the same double.
TensorZero and Bifrost are not run: no PyPI or npm package carries a runnable build of either
gateway (see `OTHER_GATEWAYS`).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.machine import REPO_ROOT
from bench.overhead_report import compare, targets
from bench.overhead_servers import API_KEY, LITELLM_VENV, core_layout, start_servers
from bench.processes import Server

PROMPT = "Translate 'good morning, how are you today?' into French and explain the grammar."


@dataclass(frozen=True)
class Contender:
    name: str
    server: str  # which Server's CPU and RSS count for it
    port: int
    model: str
    headers: dict[str, str]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--requests", type=int, default=3000, help="measured requests per run")
    parser.add_argument("--warmup", type=int, default=200, help="unmeasured requests first")
    parser.add_argument("--concurrency", default="1,16,64", help="comma-separated levels")
    parser.add_argument("--litellm-requests", type=int, default=300, help="per LiteLLM run")
    parser.add_argument("--no-litellm", action="store_true", help="skip the LiteLLM contender")
    parser.add_argument("--modes", default="json,stream", help="json and/or stream")
    parser.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="rounds over every contender; the best round (highest req/s) of "
        "each is reported, every round's req/s is kept",
    )


def tiny(args: argparse.Namespace) -> None:
    args.requests, args.warmup, args.concurrency, args.no_litellm = 50, 10, "1,4", True
    args.repeat = 1


def body(model: str, stream: bool) -> str:
    payload: dict[str, Any] = {
        "model": model,
        "messages": [{"role": "user", "content": PROMPT}],
        "temperature": 0,
        "max_tokens": 64,
    }
    if stream:
        payload["stream"] = True
        payload["stream_options"] = {"include_usage": True}
    return json.dumps(payload, separators=(",", ":"))


def contenders(servers: dict[str, Server]) -> list[Contender]:
    auth = {"Authorization": f"Bearer {API_KEY}"}
    out = [
        Contender("direct", "double", servers["double"].port, "bench-model", auth),
        Contender(
            "tiergate_miss",
            "tiergate",
            servers["tiergate"].port,
            "auto",
            auth | {"Cache-Control": "no-cache"},
        ),
        Contender("tiergate_hit", "tiergate", servers["tiergate"].port, "auto", auth),
    ]
    if "litellm" in servers:
        out.append(Contender("litellm", "litellm", servers["litellm"].port, "bench-model", auth))
    return out


def load(spec: dict[str, Any], timeout: float) -> dict[str, Any]:
    """One run of the load generator in its own process (bench/load.py), on the client core."""
    proc = subprocess.run(
        [sys.executable, "-m", "bench.load"],
        input=json.dumps(spec),
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=REPO_ROOT,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"load generator failed: {proc.stderr.strip()[-800:]}")
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def measure(
    c: Contender, server: Server, stream: bool, conc: int, n: int, warmup: int
) -> dict[str, Any]:
    spec = {
        "host": "127.0.0.1",
        "port": c.port,
        "path": "/v1/chat/completions",
        "body": body(c.model, stream),
        "headers": c.headers,
        "requests": n,
        "concurrency": conc,
        "warmup": warmup,
        "timeout": 150.0,
        "cpus": core_layout()[0],
    }
    before = server.cpu_seconds()
    result = load(spec, timeout=200)
    cpu = server.cpu_seconds() - before
    sent = result["requests"] + warmup
    result["cpu_ms_per_request"] = round(cpu * 1000 / sent, 4) if sent else None
    return result


def run(args: argparse.Namespace) -> dict[str, Any]:
    levels = [int(c) for c in str(args.concurrency).split(",") if c]
    modes = [m for m in str(args.modes).split(",") if m]
    runs: dict[str, dict[str, dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="tiergate-bench-") as tmp_name:
        tmp = Path(tmp_name)
        servers, skipped = start_servers(args, tmp)
        try:
            for mode in modes:
                for conc in levels:
                    key = f"{mode}_c{conc}"
                    runs[key] = {}
                    for _ in range(args.repeat):
                        for c in contenders(servers):
                            lite = c.name == "litellm"
                            n = args.litellm_requests if lite else args.requests
                            warm = min(args.warmup, 50) if lite else args.warmup
                            r = measure(c, servers[c.server], mode == "stream", conc, n, warm)
                            best = runs[key].get(c.name)
                            r["rounds_rps"] = [*(best or {}).get("rounds_rps", []), r["rps"]]
                            if best is None or (r["rps"] or 0) > (best["rps"] or 0):
                                runs[key][c.name] = r
                            else:
                                best["rounds_rps"] = r["rounds_rps"]
                            print(
                                f"  {key:<12} {c.name:<14} {r['rps']:>9} req/s  p50 "
                                f"{r['latency_ms']['p50']} ms  p99 {r['latency_ms']['p99']} ms"
                                f"  errors {r['errors']}",
                                file=sys.stderr,
                            )
            rss = {name: s.peak_rss_mb() for name, s in servers.items()}
        finally:
            for s in servers.values():
                s.stop()
    ratios = compare(runs)
    return {
        "config_detail": {
            "prompt": PROMPT,
            "miss_path": "temperature 0 + Cache-Control: "
            "no-cache (cache read skipped, lease + store write done)",
            "hit_path": "temperature 0, identical body (cache hit after warm-up)",
            "load_generator": "bench/load.py, own process, pinned with the double to the first "
            "core; the contender under test pinned to the last core",
            "os_pid_cpu": "utime+stime of the contender's process / requests sent "
            "(warm-up included)",
        },
        "skipped": skipped,
        "runs": runs,
        "ratios": ratios,
        "peak_rss_mb": rss,
        "targets": targets(runs, ratios, rss),
        "litellm_version": litellm_version(),
    }


def litellm_version() -> str | None:
    python = LITELLM_VENV / "bin" / "python"
    if not python.exists():
        return None
    proc = subprocess.run(
        [str(python), "-c", "import importlib.metadata as m; print(m.version('litellm'))"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return proc.stdout.strip() or None


def config(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "requests": args.requests,
        "warmup": args.warmup,
        "concurrency": args.concurrency,
        "repeat": args.repeat,
        "best_of": "highest req/s round per contender and level",
        "litellm_requests": args.litellm_requests,
        "modes": args.modes,
        "litellm": not args.no_litellm,
        "cpu_count_env": os.cpu_count(),
    }
