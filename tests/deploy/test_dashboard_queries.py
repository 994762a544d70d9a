"""Every PromQL expression of the Grafana dashboard returns data from a real Prometheus.

The stack, all on 127.0.0.1: the gateway (create_app + uvicorn) configured from
deploy/compose/tiergate.yaml with its upstreams pointed at HTTP doubles (`vllm`, whose
/metrics serves vLLM's queue gauges, `llamacpp`, and the `frontier`), and a real `prometheus`
process whose config is deploy/prometheus/prometheus.yml with the targets rewritten and a 1 s
scrape interval. A scripted mix of requests (both tiers, JSON and streamed, a sensitive one, a
fallback, an all-targets-failed 502, repeats for the cache) runs twice, with a scrape after
each round so that rates and quantiles have two samples to work with. Then each expression,
with Grafana's variables replaced, goes through Prometheus's HTTP API.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
import yaml

from router.app import create_app
from router.routing import parse_routing
from router.settings import Settings
from tests.deploy.deploy_files import DASHBOARD, PROMETHEUS_CONFIG, REPO, require_tool
from tests.fakes.redis_server import free_port
from tests.fakes.server import serve_in_thread
from tests.fakes.upstream import UpstreamDouble

COMPOSE_ROUTING = REPO / "deploy" / "compose" / "tiergate.yaml"
PROMETHEUS_HINT = "install Prometheus (Debian/Ubuntu: apt-get install prometheus)"
# What Grafana would put in place of its variables. $__rate_interval is at least 4 scrape
# intervals in Grafana; a minute comfortably holds both rounds' scrapes here.
GRAFANA_VARIABLES = {
    "$__rate_interval": "1m",
    "$__interval": "15s",
    "$__range": "5m",
}
# Series that exist only once the response cache (DESIGN.md, Cache) serves hits.
CACHE_METRICS = ("tiergate_cache_requests_total",)
HELLO = [{"role": "user", "content": "Say hello in French."}]
HARD = [
    {
        "role": "user",
        "content": "Prove that there are infinitely many primes congruent to 3 mod 4, then "
        "derive the asymptotic density using Dirichlet characters.",
    }
]
CARD = [{"role": "user", "content": "Charge my card 4111 1111 1111 1111 for the order."}]
SCRAPE_WAIT_S = 20.0


def _panel_targets() -> list[tuple[str, str, str]]:
    doc = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    found = []
    for panel in doc["panels"]:
        for t in panel.get("targets", []):
            found.append((f"{panel['title']} [{t['refId']}]", t["expr"], panel["type"]))
    return found


def _dashboard_variables() -> dict[str, str]:
    doc = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return {f"${v['name']}": v["query"] for v in doc.get("templating", {}).get("list", [])}


def substitute(expr: str) -> str:
    # Longest names first: $__range must not eat the start of a longer variable.
    values = {**GRAFANA_VARIABLES, **_dashboard_variables()}
    for name in sorted(values, key=len, reverse=True):
        expr = expr.replace(name, values[name])
    leftover = re.findall(r"\$\{?\w+", expr)
    assert not leftover, f"unknown Grafana variable(s) {leftover} in {expr!r}"
    return expr


class Prometheus:
    """A `prometheus` child process on a free 127.0.0.1 port, storage in a temporary folder."""

    def __init__(self, config: dict[str, Any], workdir: Path) -> None:
        self.binary = require_tool("prometheus", PROMETHEUS_HINT)
        self.workdir = workdir
        self.config_path = workdir / "prometheus.yml"
        self.config_path.write_text(yaml.safe_dump(config), encoding="utf-8")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "prometheus.log"
        self._proc: subprocess.Popen[bytes] | None = None
        self.http = httpx.Client(base_url=self.url, timeout=5)

    def start(self, timeout: float = 30.0) -> None:
        with self.log_path.open("wb") as log:
            self._proc = subprocess.Popen(
                [
                    self.binary,
                    f"--config.file={self.config_path}",
                    f"--storage.tsdb.path={self.workdir / 'data'}",
                    f"--web.listen-address=127.0.0.1:{self.port}",
                    "--storage.tsdb.retention.time=1h",
                    "--log.level=warn",
                ],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while True:
            if self._proc.poll() is not None:
                raise RuntimeError(f"prometheus exited early:\n{self.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if self.http.get("/-/ready").status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"prometheus not ready within {timeout} s:\n{self.log_tail()}")
            time.sleep(0.1)

    def stop(self) -> None:
        self.http.close()
        if self._proc is not None and self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait(10)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def query(self, promql: str) -> dict[str, Any]:
        resp = self.http.post("/api/v1/query", data={"query": promql})
        body: dict[str, Any] = resp.json()
        if body.get("status") != "success":
            raise AssertionError(f"Prometheus rejected {promql!r}: {body}")
        return body["data"]  # type: ignore[no-any-return]

    def wait_for_scrape_after(self, moment: float, timeout: float = SCRAPE_WAIT_S) -> None:
        """Until every job has been scraped successfully after `moment` (Unix seconds)."""
        jobs = self.jobs
        deadline = time.monotonic() + timeout
        while True:
            # timestamp() of a bare selector is the sample's time (of an expression such as
            # `up == 1` it would be the evaluation time), hence two queries.
            stamps = self.query("timestamp(up)")["result"]
            up = {r["metric"]["job"] for r in self.query("up == 1")["result"]}
            fresh = {r["metric"]["job"] for r in stamps if float(r["value"][1]) > moment} & up
            if fresh >= jobs:
                return
            if time.monotonic() > deadline:
                targets = self.http.get("/api/v1/targets").json()
                raise TimeoutError(
                    f"jobs {sorted(jobs - fresh)} not scraped within {timeout} s; "
                    f"targets: {json.dumps(targets)[:2000]}\n{self.log_tail()}"
                )
            time.sleep(0.2)

    @property
    def jobs(self) -> set[str]:
        config = yaml.safe_load(self.config_path.read_text(encoding="utf-8"))
        return {job["job_name"] for job in config["scrape_configs"]}


def prometheus_config(targets: dict[str, str]) -> dict[str, Any]:
    """deploy/prometheus/prometheus.yml with each `host:port` target mapped by `targets`."""
    config: dict[str, Any] = yaml.safe_load(PROMETHEUS_CONFIG.read_text(encoding="utf-8"))
    config["global"] = {
        "scrape_interval": "1s",
        "scrape_timeout": "1s",
        "evaluation_interval": "1s",
    }
    for job in config["scrape_configs"]:
        for static in job.get("static_configs", []):
            unknown = [t for t in static["targets"] if t not in targets]
            assert not unknown, (
                f"job {job['job_name']}: no test double for target(s) {unknown}; "
                "map them in tests/deploy/test_dashboard_queries.py"
            )
            static["targets"] = [targets[t] for t in static["targets"]]
    return config


def hostport(url: str) -> str:
    """`127.0.0.1:1234` from `http://127.0.0.1:1234/v1`."""
    return url.split("://", 1)[1].split("/", 1)[0]


def compose_routing(vllm: UpstreamDouble, llamacpp: UpstreamDouble, hosted: UpstreamDouble) -> Any:
    """deploy/compose/tiergate.yaml with its upstreams pointed at the doubles."""
    doc = yaml.safe_load(COMPOSE_ROUTING.read_text(encoding="utf-8"))
    urls = {"vllm": vllm.url, "llamacpp": llamacpp.url, "frontier": hosted.url}
    assert set(doc["upstreams"]) == set(urls), "update the test's upstream doubles"
    for name, spec in doc["upstreams"].items():
        spec["base_url"] = urls[name]
        spec["timeouts"] = {"connect": 1.0, "first_byte": 3.0, "total": 10.0}
        spec["health_interval"] = 0.2
    return parse_routing(doc, str(COMPOSE_ROUTING))


@dataclass
class Scenario:
    prometheus: Prometheus
    cache_hits: int


def run_mix(
    client: openai.OpenAI, vllm: UpstreamDouble, llamacpp: UpstreamDouble, hosted: UpstreamDouble
) -> int:
    """One round of the scripted mix; returns how many answers were cache hits."""
    answers = []
    for model, messages in [
        ("local", HELLO),
        ("local-model", HELLO),
        ("frontier", HELLO),
        ("gpt-4.1", HARD),
        ("auto", HELLO),
        ("auto", HARD),
        ("auto", CARD),  # sensitive: stays local
    ]:
        answers.append(
            client.chat.completions.with_raw_response.create(model=model, messages=messages)  # type: ignore[arg-type]
        )
    for model in ("local", "frontier"):
        with client.chat.completions.with_streaming_response.create(  # type: ignore[call-overload]
            model=model,
            messages=HELLO,
            stream=True,
            stream_options={"include_usage": True},
        ) as stream:
            assert "data: [DONE]" in stream.text()
    # Fallback inside the local tier: vLLM fails once, llama.cpp answers.
    vllm.queue_behaviours("status:500")
    raw = client.chat.completions.with_raw_response.create(model="local", messages=HELLO)  # type: ignore[arg-type]
    assert raw.headers["x-tiergate-tier"] == "local"
    # Every target fails: a 502 and upstream errors on every target (the route's last target,
    # llama.cpp, is retried once before the gateway gives up).
    for double in (hosted, vllm):
        double.queue_behaviours("status:500")
    llamacpp.queue_behaviours("status:500", "status:500")
    with pytest.raises(openai.APIStatusError) as info:
        client.chat.completions.create(model="frontier", messages=HELLO)  # type: ignore[arg-type]
    assert info.value.status_code == 502
    # Identical deterministic requests: hits once the response cache exists.
    for _ in range(3):
        answers.append(
            client.chat.completions.with_raw_response.create(
                model="local",
                messages=[{"role": "user", "content": "What is 2 + 2?"}],
                temperature=0,
            )
        )
    return sum(a.headers.get("x-tiergate-cache") == "hit" for a in answers)


@pytest.fixture(scope="module")
def scenario() -> Iterator[Scenario]:
    with contextlib.ExitStack() as stack:
        vllm = stack.enter_context(UpstreamDouble(model_name="local-model"))
        llamacpp = stack.enter_context(UpstreamDouble(model_name="local-model"))
        hosted = stack.enter_context(UpstreamDouble(model_name="gpt-4.1"))
        vllm.set_metrics({"vllm:num_requests_waiting": 3, "vllm:num_requests_running": 2})
        app = create_app(
            Settings.model_validate({"launch_workers": False}),
            compose_routing(vllm, llamacpp, hosted),
            env={"OPENAI_API_KEY": "sk-test-frontier"},
        )
        gateway = stack.enter_context(serve_in_thread(app))
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tiergate-prom-")))
        prom = Prometheus(
            prometheus_config({"gateway:8080": hostport(gateway), "vllm:8000": hostport(vllm.url)}),
            workdir,
        )
        stack.callback(prom.stop)
        prom.start()
        client = openai.OpenAI(
            base_url=gateway + "/v1", api_key="unused", max_retries=0, timeout=15
        )
        stack.callback(client.close)
        hits = 0
        for _ in range(2):  # two rounds, each followed by a scrape: rates need two samples
            hits += run_mix(client, vllm, llamacpp, hosted)
            prom.wait_for_scrape_after(time.time())
        yield Scenario(prom, hits)


def _finite_values(data: dict[str, Any]) -> list[float]:
    if data["resultType"] == "scalar":
        samples = [data["result"]]
    elif data["resultType"] == "vector":
        samples = [r["value"] for r in data["result"]]
    else:  # matrix
        samples = [v for r in data["result"] for v in r["values"]]
    return [float(v) for _, v in samples if math.isfinite(float(v))]


def _metric_names(expr: str) -> list[str]:
    names = re.findall(r"\b((?:tiergate_|vllm:)[a-z_:]+)", expr)
    return sorted(
        {re.sub(r"_bucket$", "", n) + ("_bucket" if n.endswith("_bucket") else "") for n in names}
    )


@pytest.mark.parametrize(
    ("title", "expr", "panel_type"),
    _panel_targets(),
    ids=[t[0] for t in _panel_targets()],
)
def test_dashboard_expression_returns_data(
    scenario: Scenario, title: str, expr: str, panel_type: str
) -> None:
    promql = substitute(expr)
    data = scenario.prometheus.query(promql)
    if _finite_values(data):
        return
    missing = [n for n in _metric_names(promql) if not scenario.prometheus.query(n)["result"]]
    needs_cache = [n for n in missing if n.startswith(CACHE_METRICS)]
    if needs_cache and scenario.cache_hits == 0:
        pytest.fail(
            f"panel {title!r}: `{promql}` returned no data because the gateway exports no "
            f"{', '.join(needs_cache)} samples: it needs the response cache (DESIGN.md, Cache), "
            "and no answer in the scripted mix had x-tiergate-cache: hit.",
            pytrace=False,
        )
    pytest.fail(
        f"panel {title!r}: `{promql}` returned no finite value ({data['resultType']}: "
        f"{json.dumps(data['result'])[:500]}); metrics without samples: {missing or 'none'}",
        pytrace=False,
    )


def test_every_dashboard_panel_has_a_query_and_uses_the_provisioned_datasource() -> None:
    doc = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    datasources = yaml.safe_load(
        (REPO / "deploy/grafana/provisioning/datasources/prometheus.yml").read_text("utf-8")
    )["datasources"]
    uids = {d["uid"] for d in datasources}
    for panel in doc["panels"]:
        if panel["type"] == "row":
            continue
        assert panel.get("targets"), f"panel {panel['title']!r} has no query"
        assert panel["datasource"]["uid"] in uids, panel["title"]
        for t in panel["targets"]:
            assert t["datasource"]["uid"] in uids, (panel["title"], t["refId"])
    ids = [p["id"] for p in doc["panels"]]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
