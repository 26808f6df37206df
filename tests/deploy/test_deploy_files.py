"""The deployment files, checked without Docker or a cluster: Kubernetes manifests
against the API schemas (vendored by kubernetes-validate), the Dockerfile parsed, the
compose file's structure, the systemd units through ``systemd-analyze verify``."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from ipaddress import IPv4Network, IPv6Network, ip_address, ip_network
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from dockerfile_parse import DockerfileParser

from core.settings import Settings

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
K8S = DEPLOY / "k8s"
K8S_VERSION = "1.31.0"
SETTING_NAMES = {f"POLICYDESK_{name.upper()}" for name in Settings.model_fields}


def manifests() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            docs.extend(d for d in yaml.safe_load_all(path.read_text("utf-8")) if d)
    return docs


def by_kind(kind: str) -> list[dict[str, Any]]:
    return [d for d in manifests() if d["kind"] == kind]


def deployment(component: str) -> dict[str, Any]:
    (found,) = [
        d
        for d in by_kind("Deployment")
        if d["metadata"]["labels"]["app.kubernetes.io/component"] == component
    ]
    return found


@pytest.mark.parametrize("doc", manifests(), ids=lambda d: f"{d['kind']}-{d['metadata']['name']}")
def test_manifest_matches_the_kubernetes_schema(doc: dict[str, Any]) -> None:
    # strict: unknown fields (a typo such as "livenesProbe") are errors, not ignored.
    kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_schema_validation_catches_a_mistake() -> None:
    broken = yaml.safe_load(yaml.safe_dump(deployment("api")))
    broken["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, K8S_VERSION, strict=True)


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text("utf-8"))
    files = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert set(kustomization["resources"]) == files
    kinds = {d["kind"] for d in manifests()}
    assert {"Deployment", "Service", "Ingress", "ConfigMap", "HorizontalPodAutoscaler"} <= kinds


def test_api_probes_resources_and_wiring() -> None:
    api = deployment("api")
    pod = api["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert pod["securityContext"]["runAsNonRoot"] is True
    # Shutdown: the pod's grace covers the app's own drain (POLICYDESK_SHUTDOWN_TIMEOUT).
    (config,) = by_kind("ConfigMap")
    assert pod["terminationGracePeriodSeconds"] > float(
        config["data"]["POLICYDESK_SHUTDOWN_TIMEOUT"]
    )
    labels = api["spec"]["template"]["metadata"]["labels"]
    (service,) = by_kind("Service")
    assert service["spec"]["selector"].items() <= labels.items()
    (ingress,) = by_kind("Ingress")
    backend = ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == service["metadata"]["name"]
    assert backend["port"]["name"] in {p["name"] for p in service["spec"]["ports"]}
    (hpa,) = by_kind("HorizontalPodAutoscaler")
    assert hpa["spec"]["scaleTargetRef"]["name"] == api["metadata"]["name"]
    assert hpa["spec"]["minReplicas"] >= 2


def test_secrets_are_references_and_settings_exist() -> None:
    assert not by_kind("Secret"), "secrets are created in the cluster, never committed"
    for component in ("api", "worker"):
        pod = deployment(component)["spec"]["template"]["spec"]
        for container in pod.get("initContainers", []) + pod["containers"]:
            env = {e["name"]: e for e in container.get("env", [])}
            for name in ("POLICYDESK_DATABASE_URL", "POLICYDESK_BOT_TOKEN"):
                assert env[name]["valueFrom"]["secretKeyRef"]["name"] == "policydesk-secrets"
            assert all("value" not in e for n, e in env.items() if "SECRET" in n or "TOKEN" in n)
            names = [n for n in env if n.startswith("POLICYDESK_")]
            assert set(names) <= SETTING_NAMES, set(names) - SETTING_NAMES
    (config,) = by_kind("ConfigMap")
    assert {n for n in config["data"] if n.startswith("POLICYDESK_")} <= SETTING_NAMES


def test_dockerfile_is_multi_stage_non_root_pinned_and_baked() -> None:
    with (DEPLOY / "Dockerfile").open("rb") as source:
        instructions = DockerfileParser(fileobj=source).structure
    stages: list[list[dict[str, Any]]] = []
    for ins in instructions:
        if ins["instruction"] == "FROM":
            stages.append([])
        if stages:
            stages[-1].append(ins)
    assert len(stages) >= 2
    names = {s[0]["value"].split()[-1] for s in stages if " AS " in s[0]["value"].upper()}
    for ins in instructions:
        if ins["instruction"] == "COPY" and "--from=" in ins["value"]:
            source = re.search(r"--from=(\S+)", ins["value"])
            assert source and source[1] in names
    runs = " ".join(i["value"] for i in instructions if i["instruction"] == "RUN")
    assert re.search(r"--index-url https://download\.pytorch\.org/whl/cpu torch==2\.13\.0", runs)
    assert not re.search(r"torch(?!==2\.13\.0)[<>=~ ]", runs)
    assert "policydesk init" in runs
    final = {i["instruction"]: i["value"] for i in stages[-1]}
    assert "HEALTHCHECK" in final and "/healthz" in final["HEALTHCHECK"]
    users = [i["value"] for i in stages[-1] if i["instruction"] == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}
    env = " ".join(i["value"] for i in stages[-1] if i["instruction"] == "ENV")
    assert "HF_HUB_OFFLINE=1" in env
    assert '"policydesk"' in final["ENTRYPOINT"]


def test_compose_has_the_production_shape() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text("utf-8"))
    services = compose["services"]
    assert {"postgres", "redis", "api", "worker"} <= services.keys()
    api, worker = services["api"], services["worker"]
    assert api["deploy"]["replicas"] >= 2
    assert worker["command"][0] == "worker"
    env = api["environment"]
    assert env["POLICYDESK_DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert env["POLICYDESK_REDIS_URL"].startswith("redis://redis:")
    assert {n for n in env if n.startswith("POLICYDESK_")} <= SETTING_NAMES
    for name, value in {**env, **services["postgres"]["environment"]}.items():
        if any(word in name for word in ("PASSWORD", "SECRET", "TOKEN")):
            assert str(value).startswith("${"), f"{name} must come from the environment"
    assert api["depends_on"]["init"]["condition"] == "service_completed_successfully"
    assert services["postgres"]["healthcheck"] and services["redis"]["healthcheck"]
    assert (DEPLOY.parent / api["build"]["dockerfile"]).exists()
    for service in services.values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (DEPLOY / source).exists(), source


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
@pytest.mark.parametrize("unit", ["policydesk-api.service", "policydesk-worker.service"])
def test_systemd_unit_verifies(unit: str, tmp_path: Path) -> None:
    # verify checks that ExecStart's program exists: point it at this venv's.
    here = str(Path(sys.executable).parent / "policydesk")
    text = (DEPLOY / "systemd" / unit).read_text("utf-8")
    assert "/opt/policydesk/venv/bin/policydesk" in text
    (tmp_path / unit).write_text(text.replace("/opt/policydesk/venv/bin/policydesk", here))
    result = subprocess.run(
        ["systemd-analyze", "verify", str(tmp_path / unit)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    env_file = (DEPLOY / "systemd" / "policydesk.env").read_text("utf-8")
    names = re.findall(r"^(POLICYDESK_\w+)=", env_file, flags=re.M)
    assert names and set(names) <= SETTING_NAMES


def test_workers_deliver_and_serve_their_metrics_where_they_are_scraped() -> None:
    # k8s: the API pods leave delivery to the worker Deployment, whose pods serve /metrics
    # on the port their annotations and container port name.
    (config,) = by_kind("ConfigMap")
    assert config["data"]["POLICYDESK_WORKER_IN_PROCESS"] == "false"
    worker = deployment("worker")["spec"]["template"]
    (container,) = worker["spec"]["containers"]
    env = {e["name"]: e.get("value") for e in container["env"]}
    port = int(env["POLICYDESK_WORKER_METRICS_PORT"])
    assert {p["name"]: p["containerPort"] for p in container["ports"]} == {"metrics": port}
    annotations = worker["metadata"]["annotations"]
    assert annotations["prometheus.io/scrape"] == "true"
    assert int(annotations["prometheus.io/port"]) == port
    # compose: the same for the api and worker services.
    services = yaml.safe_load((DEPLOY / "compose.yaml").read_text("utf-8"))["services"]
    assert services["api"]["environment"]["POLICYDESK_WORKER_IN_PROCESS"] == "false"
    worker_env = services["worker"]["environment"]
    assert (
        worker_env["POLICYDESK_DATABASE_URL"]
        == services["api"]["environment"]["POLICYDESK_DATABASE_URL"]
    )
    assert [str(worker_env["POLICYDESK_WORKER_METRICS_PORT"])] == services["worker"]["expose"]
    # systemd: the shared environment file.
    lines = (DEPLOY / "systemd" / "policydesk.env").read_text("utf-8").splitlines()
    values = dict(line.split("=", 1) for line in lines if line.startswith("POLICYDESK_"))
    settings = Settings(
        worker_in_process=values["POLICYDESK_WORKER_IN_PROCESS"],  # type: ignore[arg-type]
        worker_metrics_port=values["POLICYDESK_WORKER_METRICS_PORT"],  # type: ignore[arg-type]
    )
    assert settings.worker_in_process is False and settings.worker_metrics_port > 0


def trusted_proxies() -> dict[str, list[IPv4Network | IPv6Network]]:
    """POLICYDESK_TRUSTED_PROXIES of each shipped deployment, as the app reads it."""
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text("utf-8"))
    (config,) = by_kind("ConfigMap")
    lines = (DEPLOY / "systemd" / "policydesk.env").read_text("utf-8").splitlines()
    systemd = dict(line.split("=", 1) for line in lines if line.startswith("POLICYDESK_"))
    values = {
        "compose": compose["services"]["api"]["environment"]["POLICYDESK_TRUSTED_PROXIES"],
        "k8s": config["data"]["POLICYDESK_TRUSTED_PROXIES"],
        "systemd": systemd["POLICYDESK_TRUSTED_PROXIES"],
    }
    # Through Settings: "*", 0.0.0.0/0 and anything that is not a network are refused.
    return {
        name: Settings(trusted_proxies=value).trusted_proxies  # type: ignore[arg-type]
        for name, value in values.items()
    }


def test_no_deployment_lets_a_client_name_its_own_address() -> None:
    # uvicorn's FORWARDED_ALLOW_IPS="*" believed any client's X-Forwarded-For; the app
    # ignores that variable now, and no shipped configuration should still set it.
    for path in DEPLOY.rglob("*"):
        if path.is_file() and path.suffix != ".md":
            assert "FORWARDED_ALLOW_IPS" not in path.read_text("utf-8"), path
    for name, networks in trusted_proxies().items():
        # Only proxies on private networks or this host, never a range of the internet.
        assert networks and all(n.is_private for n in networks), name


def test_compose_trusts_nginx_alone() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text("utf-8"))
    services = compose["services"]
    (ipam,) = compose["networks"]["default"]["ipam"]["config"]
    subnet, dynamic = ip_network(ipam["subnet"]), ip_network(ipam["ip_range"])
    proxy = ip_address(services["proxy"]["networks"]["default"]["ipv4_address"])
    # Its fixed address is in the network but outside the range other containers get.
    assert proxy in subnet and proxy not in dynamic and proxy != ip_address(ipam["gateway"])
    assert trusted_proxies()["compose"] == [ip_network(proxy)]
    # The replicas are reached through nginx only: none of their ports is published.
    assert "ports" not in services["api"] and services["api"]["expose"]
    assert "./nginx.conf:/etc/nginx/conf.d/default.conf:ro" in services["proxy"]["volumes"]


def test_nginx_writes_the_forwarding_headers_itself() -> None:
    text = (DEPLOY / "nginx.conf").read_text("utf-8")
    headers = dict(re.findall(r"^\s*proxy_set_header\s+(\S+)\s+(.+?);", text, flags=re.M))
    # Appended to, not passed on: the app reads the entry nginx adds, from the right.
    assert headers["X-Forwarded-For"] == "$proxy_add_x_forwarded_for"
    assert headers["X-Real-IP"] == "$remote_addr"
    assert headers["X-Forwarded-Proto"] == "$scheme"


def test_systemd_api_listens_on_and_trusts_loopback_only() -> None:
    lines = (DEPLOY / "systemd" / "policydesk.env").read_text("utf-8").splitlines()
    values = dict(line.split("=", 1) for line in lines if line.startswith("POLICYDESK_"))
    assert ip_address(values["POLICYDESK_HOST"]).is_loopback
    assert all(n.is_loopback for n in trusted_proxies()["systemd"])
