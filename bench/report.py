"""Markdown tables from the latest `bench/results/*.json`, for docs/benchmarks.md.

python -m bench.report            # prints the tables of every suite found
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.machine import RESULTS_DIR


def _fmt(value: Any, digits: int = 2) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return str(value)


def header(doc: dict[str, Any]) -> list[str]:
    m = doc["machine"]
    return [
        f"`{doc['command']}` — {doc['date']}, {m['nproc']} x {m['cpu_model']}, Linux "
        f"{m['kernel']}, Python {m['python']}, load average at start {m['loadavg']}, "
        f"tiergate {m['tiergate_commit']}",
        "",
    ]


def overhead(doc: dict[str, Any]) -> list[str]:
    lines = header(doc)
    lines += [
        "| mode, c | contender | req/s | p50 ms | p90 ms | p99 ms | added p50 / p99 ms "
        "| TTFB p50 ms (added) | CPU ms/req | vs direct | vs LiteLLM |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key, by_contender in doc["runs"].items():
        for name, r in by_contender.items():
            ratio = doc["ratios"].get(key, {}).get(name, {})
            lat, ttfb = r["latency_ms"], r.get("ttfb_ms")
            added = (
                f"{_fmt(ratio.get('added_p50_ms'), 3)} / {_fmt(ratio.get('added_p99_ms'), 3)}"
                if ratio
                else ""
            )
            t = (
                f"{_fmt(ttfb['p50'], 3)} ({_fmt(ratio.get('added_ttfb_p50_ms'), 3)})"
                if ttfb
                else ""
            )
            lines.append(
                f"| {key.replace('_c', ', c=')} | {name} | {_fmt(r['rps'], 0)} | "
                f"{_fmt(lat['p50'], 3)} | {_fmt(lat['p90'], 3)} | {_fmt(lat['p99'], 3)} | "
                f"{added} | {t} | {_fmt(r['cpu_ms_per_request'], 3)} | "
                f"{_fmt(ratio.get('rps_vs_direct'))} | {_fmt(ratio.get('rps_vs_litellm'), 1)} |"
            )
    lines += [
        "",
        f"Peak RSS (MB): {doc['peak_rss_mb']}",
        "",
        "| target | bound | measured | met |",
        "|---|---|---:|---|",
    ]
    for t in doc["targets"]:
        met = {True: "yes", False: "**no**", None: "not measured"}[t["met"]]
        lines.append(f"| {t['target']} | {t['bound']} | {_fmt(t['measured'])} | {met} |")
    lines += ["", "Not run: " + "; ".join(f"{k}: {v}" for k, v in doc["skipped"].items())]
    return lines


def classifier(doc: dict[str, Any]) -> list[str]:
    ours, theirs = doc["tiergate"], doc["presidio"]
    lines = [
        *header(doc),
        f"tiergate artifact {ours['artifact']}: {ours['artifact_bytes'] / 1e6:.2f} MB, load "
        f"{ours['load_seconds_warm'] * 1000:.0f} ms warm / cold start (import + load + first "
        f"score) {ours['load_cold'].get('seconds')} s, process max RSS "
        f"{ours['load_cold'].get('process_max_rss_mb')} MB.",
    ]
    if "analyze" in theirs:
        lines.append(
            f"Presidio + spaCy `{theirs['spacy_model']}`: model package "
            f"{theirs['model_package_bytes'] / 1e6:.1f} MB, load "
            f"{theirs['load_seconds_warm']:.2f} s warm."
        )
    lines += [
        "",
        "| prompt | tiergate p50 / p90 / p99 µs | hiccups (share, median gap) | Presidio p50 /"
        " p99 µs | Presidio ÷ tiergate (p50) |",
        "|---|---:|---:|---:|---:|",
    ]
    for key, row in ours["score"].items():
        p = theirs.get("analyze", {}).get(key)
        ratio = doc["ratios"].get(key, {}).get("presidio_p50_over_tiergate_p50")
        lines.append(
            f"| {key.replace('_', ' ')} ({row['chars']} chars) | {_fmt(row['p50_us'], 1)}"
            f" / {_fmt(row['p90_us'], 1)} / {_fmt(row['p99_us'], 1)} | {_hiccups(row)} | "
            + (f"{_fmt(p['p50_us'], 0)} / {_fmt(p['p99_us'], 0)}" if p else "-")
            + f" | {_fmt(ratio, 0)}x |"
        )
    for key, row in ours.get("score_distinct", {}).items():
        lines.append(
            f"| {key.replace('_', ' ')}, {row.get('variants', '?')} different texts"
            f" ({row['chars']} chars) | {_fmt(row['p50_us'], 1)} / {_fmt(row['p90_us'], 1)}"
            f" / {_fmt(row['p99_us'], 1)} | {_hiccups(row)} | - | - |"
        )
    floor = ours.get("machine_floor_500_tokens")
    if floor:
        lines += ["", f"Machine floor, same run: a pure-Python busy loop calibrated to the "
                  f"500-token median ({floor['p50_us']} µs) has p99 {floor['p99_us']} µs "
                  f"(+{floor['p99_minus_p50_us']} µs)."]  # fmt: skip
    return lines


def _hiccups(row: dict[str, Any]) -> str:
    """Calls far above their prompt's median (bench/noise.py): share and median gap."""
    found = row.get("hiccups") or {}
    if found.get("share") is None:
        return "-"
    gap = found.get("median_gap_ms")
    return f"{found['share'] * 100:.1f} %, " + (f"{gap:.1f} ms" if gap is not None else "-")


def routing(doc: dict[str, Any]) -> list[str]:
    if "unavailable" in doc:
        return [*header(doc), f"unavailable: {doc['unavailable']}"]
    lines = [
        *header(doc),
        "| data set (held-out rows) | router | APGR | CPT(50%) | CPT(80%) | AUC |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for name, row in doc["tables"].items():
        if name == "arena_hard":
            continue
        for router in ("student", "length", "random", "teacher"):
            m = row[router]
            lines.append(
                f"| {name} ({row['rows']}) | {router} | {_fmt(m['apgr'], 3)} | "
                f"{_fmt(m['cpt50'], 3)} | {_fmt(m['cpt80'], 3)} | {_fmt(m['auc'], 3)} |"
            )
    arena = doc["tables"].get("arena_hard")
    if arena:
        lines += [
            "",
            f"arena_hard ({arena['rows']} rows, vs AlpacaEval's easy prompts): student "
            f"AUC {arena['auc_vs_alpacaeval_easy']}, length AUC {arena['length_auc']}.",
        ]
    lines.append(f"Largest difference to the shipped model card: {doc['card_max_abs_diff']}.")
    return lines


def cache(doc: dict[str, Any]) -> list[str]:
    lines = [
        *header(doc),
        "| store | measurement | p50 µs | p99 µs | lookups |",
        "|---|---|---:|---:|---|",
    ]
    for store in ("in_process", "redis"):
        for name, row in doc[store].items():
            if isinstance(row, dict) and "p50_us" in row:
                lines.append(
                    f"| {store} | {name} | {_fmt(row['p50_us'])} | {_fmt(row['p99_us'])} | "
                    f"{row.get('lookup_results', '')} |"
                )
    lines += [
        "",
        "| single-flight burst | requests | replicas | upstream calls | lookups "
        "(hit/miss/bypass) | wall ms |",
        "|---|---:|---:|---:|---|---:|",
    ]
    for store in ("in_process", "redis"):
        for name, row in doc[store].items():
            if isinstance(row, dict) and "upstream_calls" in row:
                lk = row.get("lookup_results", {})
                lines.append(
                    f"| {store} {name} | {row['requests']} | {row['replicas']} | "
                    f"{row['upstream_calls']} | {lk.get('hit')}/{lk.get('miss')}/"
                    f"{lk.get('bypass')} | {_fmt(row['wall_ms'])} |"
                )
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    folder = Path(argv[0]) if argv else RESULTS_DIR
    for suite, render in (
        ("overhead", overhead),
        ("classifier", classifier),
        ("routing", routing),
        ("cache", cache),
    ):
        path = folder / f"{suite}.json"
        if path.is_file():
            print(f"### {suite}\n")
            print("\n".join(render(json.loads(path.read_text()))) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
