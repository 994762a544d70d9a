"""The overhead suite's arithmetic: ratios against the direct baseline and LiteLLM measured in
the same run, and issue 9's targets checked against them (the miss path)."""

from __future__ import annotations

from typing import Any


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
