"""deploy/prometheus/prometheus.yml passes `promtool check config` (Debian package
`prometheus`). The dashboard's queries against it are in test_dashboard_queries.py."""

from __future__ import annotations

import subprocess

from tests.deploy.deploy_files import PROMETHEUS_CONFIG, require_tool

PROMTOOL_HINT = "install Prometheus's promtool (Debian/Ubuntu: apt-get install prometheus)"


def test_promtool_accepts_the_prometheus_config() -> None:
    promtool = require_tool("promtool", PROMTOOL_HINT)
    result = subprocess.run(
        [promtool, "check", "config", str(PROMETHEUS_CONFIG)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout + result.stderr
