"""Routing file validation: the minimal DESIGN.md file works as written; bad keys are named."""

from __future__ import annotations

from pathlib import Path

import pytest

from router.errors import ConfigError
from router.routing import load_routing

MINIMAL = """\
upstreams:
  local-small: {kind: llamacpp, base_url: "http://127.0.0.1:8001/v1"}
  frontier:    {kind: openai, base_url: "https://api.openai.com/v1", api_key_env: OPENAI_API_KEY}
tiers:
  local:    {targets: [local-small], model: smollm2-135m, price: {input: 0.0, output: 0.0}}
  frontier: {targets: [frontier], model: gpt-4.1, price: {input: 2.0, output: 8.0}}
thresholds: {difficulty: 0.5, sensitivity: 0.5}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "tiergate.yaml"
    path.write_text(text)
    return path


def test_design_minimal_file_loads_as_written(tmp_path: Path) -> None:
    routing = load_routing(write(tmp_path, MINIMAL))
    assert routing.tiers["frontier"].price.output == 8.0
    assert routing.upstreams["frontier"].api_key_env == "OPENAI_API_KEY"
    assert routing.tier_of_model("gpt-4.1") == "frontier"
    assert routing.tier_of_model("local") == "local"
    assert routing.tier_of_model("nope") is None


@pytest.mark.parametrize(
    ("bad", "good", "path"),
    [
        (
            "price: {input: 2.0, output: 8.0}}",
            "price: {input: 2.0, outptu: 8.0}}",
            "tiers.frontier.price.outptu",
        ),
        ("kind: llamacpp", "kind: llamaccp", "upstreams.local-small.kind"),
        ("thresholds: {difficulty: 0.5", "thresholds: {difficulty: 1.5", "thresholds.difficulty"),
        ("thresholds:", "treshholds:", "treshholds"),
        ('"http://127.0.0.1:8001/v1"', '"ftp://x"', "upstreams.local-small.base_url"),
    ],
)
def test_bad_key_stops_with_its_path(tmp_path: Path, bad: str, good: str, path: str) -> None:
    text = MINIMAL.replace(bad, good, 1)
    assert text != MINIMAL
    with pytest.raises(ConfigError) as info:
        load_routing(write(tmp_path, text))
    assert path in str(info.value)


def test_unknown_target_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"tiers\.local\.targets: unknown upstream 'nowhere'"):
        load_routing(
            write(tmp_path, MINIMAL.replace("targets: [local-small]", "targets: [nowhere]"))
        )


def test_duplicate_model_name_across_tiers_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="ambiguous"):
        load_routing(write(tmp_path, MINIMAL.replace("model: gpt-4.1", "model: smollm2-135m")))


def test_missing_file_and_bad_yaml_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_routing(tmp_path / "absent.yaml")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_routing(write(tmp_path, "upstreams: [unclosed"))
    with pytest.raises(ConfigError, match="mapping"):
        load_routing(write(tmp_path, "- a list\n"))
