"""deploy/k8s/: the base and the cpu overlay, rendered, validated against the Kubernetes
OpenAPI schemas (kubernetes-validate, strict: unknown fields are errors), and checked for what
the deployment needs: probes, resources, autoscaling, selectors that match, a routing file that
tiergate accepts and whose upstreams are Services here, secrets only by reference."""

from __future__ import annotations

import copy
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from router.routing import parse_routing
from tests.deploy.deploy_files import K8S
from tests.deploy.kustomize_render import render

try:
    import kubernetes_validate
except ImportError:  # pragma: no cover - CI installs it
    kubernetes_validate = None

KUBERNETES_VERSION = "1.30.0"  # oldest minor still commonly run; newer ones accept these too
BASE = K8S / "base"
CPU = K8S / "overlays" / "cpu"
SECRET_NAME = re.compile(r"(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL)", re.IGNORECASE)
Resource = dict[str, Any]


def _validator() -> Any:
    if kubernetes_validate is None:
        pytest.fail(
            "kubernetes-validate is not installed: pip install kubernetes-validate", pytrace=False
        )
    return kubernetes_validate


def by_kind(resources: list[Resource], kind: str) -> dict[str, Resource]:
    return {r["metadata"]["name"]: r for r in resources if r["kind"] == kind}


def pod_spec(deployment: Resource) -> dict[str, Any]:
    return deployment["spec"]["template"]["spec"]  # type: ignore[no-any-return]


def routing_of(resources: list[Resource]) -> Any:
    text = by_kind(resources, "ConfigMap")["tiergate-config"]["data"]["tiergate.yaml"]
    return parse_routing(yaml.safe_load(text), "ConfigMap tiergate-config")


@pytest.fixture(scope="module", params=[BASE, CPU], ids=["base", "cpu"])
def rendered(request: pytest.FixtureRequest) -> list[Resource]:
    return render(request.param)


def test_every_resource_is_valid_against_the_kubernetes_schemas(rendered: list[Resource]) -> None:
    kv = _validator()
    for resource in rendered:
        try:
            kv.validate(resource, KUBERNETES_VERSION, strict=True)
        except kv.ValidationError as exc:
            pytest.fail(
                f"{resource['kind']}/{resource['metadata']['name']}: {exc.message} "
                f"at {'.'.join(str(p) for p in exc.absolute_path)}",
                pytrace=False,
            )


def test_the_validator_rejects_an_unknown_field() -> None:
    kv = _validator()
    deployment = copy.deepcopy(by_kind(render(BASE), "Deployment")["tiergate-gateway"])
    deployment["spec"]["replica"] = 3  # a typo of `replicas`: strict mode must refuse it
    with pytest.raises(kv.ValidationError):
        kv.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_gateway_runs_several_probed_replicas_with_an_autoscaler(rendered: list[Resource]) -> None:
    gateway = by_kind(rendered, "Deployment")["tiergate-gateway"]
    assert gateway["spec"]["replicas"] >= 2
    (container,) = pod_spec(gateway)["containers"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert {"cpu", "memory"} <= set(container["resources"]["requests"])
    env = {e["name"]: e for e in container["env"]}
    assert env["TIERGATE_LAUNCH_WORKERS"]["value"] == "false"
    assert env["TIERGATE_HOST"]["value"] == "0.0.0.0"
    redis_url = env["TIERGATE_REDIS_URL"]["value"]
    assert re.fullmatch(r"redis://redis:6379/\d+", redis_url), redis_url
    assert "redis" in by_kind(rendered, "Service")
    hpa = by_kind(rendered, "HorizontalPodAutoscaler")["tiergate-gateway"]
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "tiergate-gateway",
    }
    assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]
    assert pod_spec(gateway)["securityContext"]["runAsNonRoot"] is True


def test_routing_config_map_is_accepted_and_mounted(rendered: list[Resource]) -> None:
    routing = routing_of(rendered)
    gateway = by_kind(rendered, "Deployment")["tiergate-gateway"]
    (container,) = pod_spec(gateway)["containers"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    volumes = {v["name"]: v for v in pod_spec(gateway)["volumes"]}
    mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
    config_path = Path(env["TIERGATE_CONFIG"])
    assert volumes[mounts[str(config_path.parent)]]["configMap"]["name"] == "tiergate-config"
    assert config_path.name == "tiergate.yaml"
    # Every upstream key the routing file names is provided to the container.
    for name, upstream in routing.upstreams.items():
        if upstream.api_key_env:
            assert upstream.api_key_env in env, f"{name}: {upstream.api_key_env} not set"


def test_local_upstreams_are_services_of_this_deployment(rendered: list[Resource]) -> None:
    services = by_kind(rendered, "Service")
    deployments = by_kind(rendered, "Deployment")
    routing = routing_of(rendered)
    local = routing.tiers["local"]
    for target in local.targets:
        url = re.fullmatch(r"http://([a-z0-9-]+):(\d+)/v1", routing.upstreams[target].base_url)
        assert url, f"{target}: local upstreams are in-cluster Services"
        service = services[url[1]]
        port = next(p for p in service["spec"]["ports"] if p["port"] == int(url[2]))
        backend = next(
            d
            for d in deployments.values()
            if service["spec"]["selector"].items()
            <= d["spec"]["template"]["metadata"]["labels"].items()
        )
        container_ports = {
            p["name"]: p["containerPort"]
            for c in pod_spec(backend)["containers"]
            for p in c["ports"]
        }
        assert port["targetPort"] in container_ports
        args = " ".join(pod_spec(backend)["containers"][0].get("args", []))
        env = {e["name"]: e.get("value") for e in pod_spec(backend)["containers"][0].get("env", [])}
        served = routing.upstreams[target].model or local.model
        assert served in args.split() or env.get("LLAMA_MODEL_ALIAS") == served, (
            f"{backend['metadata']['name']} does not answer to model {served!r}"
        )


def test_every_service_selects_pods(rendered: list[Resource]) -> None:
    deployments = by_kind(rendered, "Deployment")
    for name, service in by_kind(rendered, "Service").items():
        selector = service["spec"]["selector"].items()
        assert any(
            selector <= d["spec"]["template"]["metadata"]["labels"].items()
            for d in deployments.values()
        ), f"Service {name} selects no Deployment's pods"
    for name, deployment in deployments.items():
        assert (
            deployment["spec"]["selector"]["matchLabels"].items()
            <= deployment["spec"]["template"]["metadata"]["labels"].items()
        ), name


def test_secrets_are_referenced_never_inlined(rendered: list[Resource]) -> None:
    assert not by_kind(rendered, "Secret"), "ship no Secret: docs/deploy.md creates it"
    for deployment in by_kind(rendered, "Deployment").values():
        for container in pod_spec(deployment)["containers"]:
            for env in container.get("env", []):
                if SECRET_NAME.search(env["name"]):
                    assert "value" not in env, f"{env['name']} inlined in {container['name']}"
                    assert env["valueFrom"]["secretKeyRef"]["name"] == "tiergate-secrets"


def test_metrics_are_scraped_by_annotation(rendered: list[Resource]) -> None:
    deployments = by_kind(rendered, "Deployment")
    scraped = {"tiergate-gateway"} | ({"vllm"} if "vllm" in deployments else set())
    for name in scraped:
        template = deployments[name]["spec"]["template"]
        annotations = template["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true"
        assert annotations["prometheus.io/path"] == "/metrics"
        ports = {p["containerPort"] for c in template["spec"]["containers"] for p in c["ports"]}
        assert int(annotations["prometheus.io/port"]) in ports, name


def test_redis_keeps_no_persistence() -> None:
    redis = by_kind(render(BASE), "Deployment")["redis"]
    args = pod_spec(redis)["containers"][0]["args"]
    assert args[args.index("--save") + 1] == "" and args[args.index("--appendonly") + 1] == "no"
    assert all("persistentVolumeClaim" not in v for v in pod_spec(redis).get("volumes", []))


def test_base_runs_vllm_on_gpus() -> None:
    resources = render(BASE)
    vllm = by_kind(resources, "Deployment")["vllm"]
    (container,) = pod_spec(vllm)["containers"]
    assert container["image"].startswith("vllm/vllm-openai:")
    assert container["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert container["readinessProbe"]["httpGet"]["path"] == "/health"
    assert "startupProbe" in container
    for flag in ("--max-model-len", "--gpu-memory-utilization", "--served-model-name"):
        assert any(a.startswith(flag) for a in container["args"]), flag
    volumes = {v["name"]: v for v in pod_spec(vllm)["volumes"]}
    claim = volumes["models"]["persistentVolumeClaim"]["claimName"]
    assert claim in by_kind(resources, "PersistentVolumeClaim")
    assert routing_of(resources).tiers["local"].targets == ("vllm",)


def test_cpu_overlay_swaps_vllm_for_llamacpp() -> None:
    resources = render(CPU)
    names = {(r["kind"], r["metadata"]["name"]) for r in resources}
    assert not any("vllm" in name for _, name in names), names
    assert {("Deployment", "llamacpp"), ("Service", "llamacpp")} <= names
    assert routing_of(resources).tiers["local"].targets == ("llamacpp",)
    for r in resources:
        for c in pod_spec(r)["containers"] if r["kind"] == "Deployment" else []:
            assert "nvidia.com/gpu" not in c.get("resources", {}).get("limits", {})


@pytest.mark.parametrize("folder", [BASE, CPU], ids=["base", "cpu"])
def test_python_rendering_matches_kubectl_kustomize(folder: Path) -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl not on PATH: the cross-check of the Python renderer needs it")
    out = subprocess.run(
        [kubectl, "kustomize", str(folder)], check=True, capture_output=True, text=True, timeout=60
    ).stdout
    theirs = [d for d in yaml.safe_load_all(out) if d]

    def key(r: Resource) -> tuple[str, str]:
        return r["kind"], r["metadata"]["name"]

    assert sorted(render(folder), key=key) == sorted(theirs, key=key)
