from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from classifier.commands import calibrate_main, eval_main
from classifier.prompts import read_prompts


def test_prompts_are_read_from_every_accepted_shape(tmp_path: Path) -> None:
    log = tmp_path / "log.jsonl"
    lines = [
        {"messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "a"}]},
        {"prompt": "b"},
        {"text": "c"},
        {"tier": "local", "latency_ms": 3},  # a decision record without prompt capture
    ]
    log.write_text("\n".join(json.dumps(x) for x in lines) + "\n{torn", encoding="utf-8")
    assert list(read_prompts(log)) == [("a", 1), ("b", 1), ("c", 1)]
    table = tmp_path / "p.csv"
    table.write_text("prompt,x\nhello,1\n,2\n", encoding="utf-8")
    assert list(read_prompts(table)) == [("hello", 1)]


def test_calibrate_prints_a_threshold_for_the_share(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "prompts.jsonl"
    path.write_text("".join(json.dumps({"text": f"question {i} " * (i % 17 + 1)}) + "\n"
                            for i in range(200)), encoding="utf-8")  # fmt: skip
    assert calibrate_main(["--frontier-share", "0.25", "--prompts", str(path)]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["prompts"] == 200 and abs(result["frontier_share"] - 0.25) <= 0.05
    assert 0.0 <= result["thresholds"]["difficulty"] <= 1.0


def test_commands_fail_cleanly_without_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert eval_main(["--data", str(tmp_path)]) == 1
    assert calibrate_main(["--frontier-share", "0.2", "--data", str(tmp_path)]) == 1
    assert "offline data not found" in capsys.readouterr().err


OFFLINE = Path(__file__).resolve().parents[4] / "shared" / "offline-data"


@pytest.mark.skipif(not OFFLINE.is_dir(), reason=f"offline data not found in {OFFLINE}")
def test_eval_prints_apgr_with_intervals_per_held_out_set(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert eval_main(["--data", str(OFFLINE), "--steps", "2", "--rounds", "50"]) == 0
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("APGR")]
    assert len(lines) == 4  # AlpacaEval, dcrouter, GSM8K, MMLU
    for line in lines:
        apgr, low, high = (float(x) for x in re.findall(r"\d\.\d{3}", line)[:3])
        assert low <= apgr <= high
