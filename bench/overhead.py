"""overhead: what tiergate adds in front of an instant upstream, against the same upstream called
directly and against the LiteLLM proxy, all in one run.

Contenders (each its own process; the load generator is another one, pinned to core 0):
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
from bench.processes import Server, ServerError, free_port

API_KEY = "sk-bench"
UNSET = ("TIERGATE_REDIS_URL", "TIERGATE_CONFIG", "TIERGATE_KEYS_FILE", "TIERGATE_ADMIN_KEY")
PROMPT = "Translate 'good morning, how are you today?' into French and explain the grammar."
LITELLM_VENV = Path.home() / ".cache" / "tiergate-bench" / "litellm-venv"
OTHER_GATEWAYS = {
    "tensorzero": "not run: the `tensorzero` PyPI package is the client (its embedded mode runs "
    "in the caller's process, not as an HTTP gateway); the gateway ships as a Docker image / "
    "Rust build only",
    "bifrost": "not run: the `@maximhq/bifrost` npm package is a launcher that downloads the Go "
    "binary from the vendor's CDN at run time, not a build carried by the package",
}


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


def routing_yaml(double_port: int) -> str:
    base = f"http://127.0.0.1:{double_port}/v1"
    return f"""\
upstreams:
  local-small: {{kind: llamacpp, base_url: "{base}"}}
  frontier: {{kind: openai, base_url: "{base}", api_key_env: BENCH_FRONTIER_KEY}}
tiers:
  local: {{targets: [local-small], model: bench-small, price: {{input: 0.0, output: 0.0}}}}
  frontier: {{targets: [frontier], model: bench-large, price: {{input: 2.0, output: 8.0}}}}
thresholds: {{difficulty: 0.5, sensitivity: 0.5}}
"""


def litellm_yaml(double_port: int) -> str:
    return f"""\
model_list:
  - model_name: bench-model
    litellm_params:
      model: openai/bench-model
      api_base: http://127.0.0.1:{double_port}/v1
      api_key: sk-double
general_settings:
  master_key: {API_KEY}
litellm_settings:
  drop_params: true
"""


def start_servers(args: argparse.Namespace, tmp: Path) -> tuple[dict[str, Server], dict[str, str]]:
    """The double, the gateway and (unless skipped) LiteLLM; unavailable ones with a reason."""
    servers: dict[str, Server] = {}
    skipped: dict[str, str] = dict(OTHER_GATEWAYS)
    dport = free_port()
    servers["double"] = Server(
        "double",
        [sys.executable, "-m", "bench.double", "--port", str(dport)],
        dport,
        tmp,
        cwd=REPO_ROOT,
    )
    servers["double"].start(30)
    (tmp / "routing.yaml").write_text(routing_yaml(dport))
    gport = free_port()
    env = {
        "TIERGATE_API_KEYS": f"{API_KEY}:bench",
        "TIERGATE_LAUNCH_WORKERS": "false",
        "TIERGATE_LOG_LEVEL": "warning",
        "TIERGATE_DECISION_LOG": str(tmp / "d.jsonl"),
        "BENCH_FRONTIER_KEY": "sk-double",
    }
    argv = [
        sys.executable,
        "-m",
        "router.cli",
        "serve",
        "--config",
        str(tmp / "routing.yaml"),
        "--host",
        "127.0.0.1",
        "--port",
        str(gport),
    ]
    servers["tiergate"] = Server(
        "tiergate", argv, gport, tmp, env=env, ready_path="/readyz", cwd=REPO_ROOT, unset=UNSET
    )
    servers["tiergate"].start(60)
    if args.no_litellm:
        skipped["litellm"] = "skipped (--no-litellm or --tiny)"
        return servers, skipped
    exe = LITELLM_VENV / "bin" / "litellm"
    if not exe.exists():
        skipped["litellm"] = (
            f"unavailable: {exe} not found; install with `python -m venv "
            f"{LITELLM_VENV} && {LITELLM_VENV}/bin/pip install 'litellm[proxy]'`"
        )
        return servers, skipped
    (tmp / "litellm.yaml").write_text(litellm_yaml(dport))
    lport = free_port()
    lenv = {
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "LITELLM_LOG": "ERROR",
        "LITELLM_TELEMETRY": "False",
    }
    largv = [
        str(exe),
        "--config",
        str(tmp / "litellm.yaml"),
        "--host",
        "127.0.0.1",
        "--port",
        str(lport),
        "--num_workers",
        "1",
    ]
    server = Server(
        "litellm",
        largv,
        lport,
        tmp,
        env=lenv,
        ready_path="/health/liveliness",
        unset=("DATABASE_URL",),
    )
    try:
        server.start(180)
        servers["litellm"] = server
    except ServerError as exc:
        skipped["litellm"] = f"unavailable: {exc}"
    return servers, skipped


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
    """One run of the load generator in its own process (bench/load.py), pinned to core 0."""
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
        "cpus": [0],
    }
    before = server.cpu_seconds()
    result = load(spec, timeout=200)
    cpu = server.cpu_seconds() - before
    sent = result["requests"] + warmup
    result["cpu_ms_per_request"] = round(cpu * 1000 / sent, 4) if sent else None
    return result


def ratio(a: float | None, b: float | None, digits: int = 2) -> float | None:
    return round(a / b, digits) if a is not None and b else None


def diff(a: float | None, b: float | None) -> float | None:
    return round(a - b, 4) if a is not None and b is not None else None


def compare(runs: dict[str, dict[str, dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Per mode and concurrency: added latency / TTFB over direct, throughput ratios."""
    out: dict[str, dict[str, Any]] = {}
    for key, by_contender in runs.items():
        direct = by_contender.get("direct")
        row: dict[str, Any] = {}
        for name, r in by_contender.items():
            if name == "direct" or direct is None:
                continue
            lat, dlat = r["latency_ms"], direct["latency_ms"]
            row[name] = {
                "added_p50_ms": diff(lat["p50"], dlat["p50"]),
                "added_p90_ms": diff(lat["p90"], dlat["p90"]),
                "added_p99_ms": diff(lat["p99"], dlat["p99"]),
                "rps_vs_direct": ratio(r["rps"], direct["rps"]),
            }
            if r.get("ttfb_ms") and direct.get("ttfb_ms"):
                row[name]["added_ttfb_p50_ms"] = diff(r["ttfb_ms"]["p50"], direct["ttfb_ms"]["p50"])
        lite = by_contender.get("litellm")
        for name in ("tiergate_miss", "tiergate_hit"):
            if lite is not None and name in by_contender:
                t = by_contender[name]
                row[name]["rps_vs_litellm"] = ratio(t["rps"], lite["rps"], 1)
                row[name]["p50_latency_vs_litellm"] = ratio(
                    t["latency_ms"]["p50"], lite["latency_ms"]["p50"], 3
                )
        out[key] = row
    return out


def targets(
    runs: dict[str, Any], ratios: dict[str, Any], rss: dict[str, Any]
) -> list[dict[str, Any]]:
    """Issue 9's targets against this run (miss path; None = not measured in this run)."""

    def get(*path: str) -> Any:
        node: Any = ratios
        for p in path:
            node = node.get(p) if isinstance(node, dict) else None
        return node

    def raw(key: str, *path: str) -> Any:
        node: Any = runs.get(key, {}).get("tiergate_miss")
        for p in path:
            node = node.get(p) if isinstance(node, dict) else None
        return node

    checks = [
        (
            "added latency p50 at c=1 (ms)",
            get("json_c1", "tiergate_miss", "added_p50_ms"),
            "<=",
            0.5,
        ),
        (
            "added latency p99 at c=1 (ms)",
            get("json_c1", "tiergate_miss", "added_p99_ms"),
            "<=",
            1.5,
        ),
        ("requests/s at c=16", raw("json_c16", "rps"), ">=", 2500),
        (
            "requests/s at c=16 vs LiteLLM",
            get("json_c16", "tiergate_miss", "rps_vs_litellm"),
            ">=",
            25,
        ),
        ("p99 latency at c=16 (ms)", raw("json_c16", "latency_ms", "p99"), "<=", 15),
        (
            "stream TTFB added p50 at c=1 (ms)",
            get("stream_c1", "tiergate_miss", "added_ttfb_p50_ms"),
            "<=",
            1.0,
        ),
        ("gateway peak RSS (MB)", rss.get("tiergate"), "<=", 250),
    ]
    out = []
    for name, value, op, bound in checks:
        met = None if value is None else (value <= bound if op == "<=" else value >= bound)
        out.append({"target": name, "bound": f"{op} {bound}", "measured": value, "met": met})
    return out


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
            "load_generator": "bench/load.py, own process pinned to core 0",
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
