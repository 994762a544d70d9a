"""The `tiergate` console script as a user runs it: config checking and `classify`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson

TIERGATE = [sys.executable, "-m", "router.cli"]


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*TIERGATE, *args], input=stdin, capture_output=True, text=True, timeout=60, check=False
    )


def test_bad_routing_file_stops_start_up_naming_the_key(tmp_path: Path) -> None:
    bad = tmp_path / "tiergate.yaml"
    bad.write_text(
        "upstreams:\n  l: {kind: llamacpp, base_url: 'http://127.0.0.1:1/v1'}\n"
        "tiers:\n  local: {targets: [l], model: m, price: {input: 0, outptu: 1}}\n"
    )
    result = run("serve", "--config", str(bad))
    assert result.returncode == 2
    assert "tiers.local.price.outptu" in result.stderr


def test_check_accepts_a_good_file(tmp_path: Path) -> None:
    good = tmp_path / "tiergate.yaml"
    good.write_text(
        "upstreams:\n  l: {kind: llamacpp, base_url: 'http://127.0.0.1:1/v1'}\n"
        "tiers:\n  local: {targets: [l], model: m}\n"
    )
    result = run("serve", "--config", str(good), "--check")
    assert result.returncode == 0, result.stderr
    assert "config ok" in result.stdout


def test_classify_reads_json_lines_and_writes_one_line_each() -> None:
    lines = [
        {"text": "My card is 4111 1111 1111 1111"},
        {
            "messages": [
                {"role": "system", "content": "be brief"},
                {"role": "user", "content": "write me a haiku about autumn"},
            ]
        },
        "not json",
    ]
    stdin = "\n".join(x if isinstance(x, str) else orjson.dumps(x).decode() for x in lines)
    result = run("classify", stdin=stdin + "\n")
    out = [orjson.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == 3
    card, haiku, bad = out
    assert card["sensitive"] is True
    assert card["entities"] == [{"type": "CREDIT_CARD", "start": 11, "end": 30}]
    assert set(haiku) == {"difficulty", "sensitivity", "sensitive", "entities"}
    assert 0.0 <= haiku["difficulty"] <= 1.0 and haiku["sensitive"] is False
    assert "error" in bad


def test_missing_api_key_variable_stops_start_up(tmp_path: Path) -> None:
    config = tmp_path / "tiergate.yaml"
    config.write_text(
        "upstreams:\n  l: {kind: llamacpp, base_url: 'http://127.0.0.1:1/v1'}\n"
        "  f: {kind: openai, base_url: 'http://127.0.0.1:2/v1', api_key_env: TG_TEST_UNSET}\n"
        "tiers:\n  local: {targets: [l], model: m}\n  frontier: {targets: [f], model: g}\n"
    )
    result = run("serve", "--config", str(config), "--check")
    assert result.returncode == 2
    assert "upstreams.f.api_key_env" in result.stderr and "TG_TEST_UNSET" in result.stderr
