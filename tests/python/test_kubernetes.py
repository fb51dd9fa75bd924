"""The Kubernetes manifests in deployment/k8s: valid against the API schemas, offline, and wired up.

kubernetes-validate ships the JSON schemas of every Kubernetes release, so the
check needs no cluster and no network (the tests forbid sockets to prove it).
"""

from __future__ import annotations

import copy
import socket
from pathlib import Path

import pytest
import yaml

kubernetes_validate = pytest.importorskip("kubernetes_validate")

ROOT = Path(__file__).parents[2]
K8S = ROOT / "deployment" / "k8s"
COMPOSE = ROOT / "deployment" / "docker" / "docker-compose.yml"
# The oldest release still supported upstream when this was written, and the newest schemas shipped.
VERSIONS = ["1.31", kubernetes_validate.latest_version()]


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network access during a manifest test")

    monkeypatch.setattr(socket.socket, "connect", refuse)


def manifest_files() -> list[Path]:
    return sorted(path for path in K8S.glob("*.yaml") if path.name != "kustomization.yaml")


def documents() -> list[dict]:
    return [
        document
        for path in manifest_files()
        for document in yaml.safe_load_all(path.read_text())
        if document
    ]


def by_kind(kind: str) -> dict[str, dict]:
    return {doc["metadata"]["name"]: doc for doc in documents() if doc["kind"] == kind}


def workloads() -> dict[str, dict]:
    return {**by_kind("Deployment"), **by_kind("StatefulSet")}


def containers(workload: dict) -> list[dict]:
    return workload["spec"]["template"]["spec"]["containers"]


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("path", manifest_files(), ids=lambda path: path.name)
def test_manifest_validates_strictly(path, version):
    for document in yaml.safe_load_all(path.read_text()):
        kubernetes_validate.validate(document, version, strict=True)


def test_validator_catches_a_broken_manifest():
    deployment = copy.deepcopy(by_kind("Deployment")["anomalia-api"])
    containers(deployment)[0]["ports"][0]["containerPort"] = "eight thousand"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, VERSIONS[-1], strict=True)
    containers(deployment)[0]["ports"][0] = {"containerPort": 8000, "protocl": "TCP"}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, VERSIONS[-1], strict=True)


def test_kustomization_lists_every_manifest():
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    assert sorted(kustomization["resources"]) == [path.name for path in manifest_files()]
    assert kustomization["namespace"] == by_kind("Namespace").popitem()[0]
    images = {image["name"] for image in kustomization["images"]}
    ours = {
        container["image"]
        for workload in workloads().values()
        for container in containers(workload)
        if "anomalia" in container["image"]
    }
    assert ours == images


def test_the_four_services_run_the_intended_commands():
    deployments = by_kind("Deployment")
    api = containers(deployments["anomalia-api"])[0]
    # The API runs the image's entrypoint, `anomalia serve --host 0.0.0.0 --port 8000`.
    assert "command" not in api and "args" not in api
    assert api["ports"][0]["containerPort"] == 8000
    plumber = containers(deployments["anomalia-plumber"])[0]
    compose = yaml.safe_load(COMPOSE.read_text())
    served = compose["services"]["plumber"]["entrypoint"]
    # Compose also serves the trained sarima/stl model sets it mounts (models=...).
    assert plumber["command"][:2] == served[:2]
    assert plumber["command"][2].rstrip(")") in served[2]
    stream = containers(deployments["anomalia-stream"])[0]["command"]
    assert stream[:2] == ["anomalia", "stream"]
    assert stream[stream.index("--models") + 1] == "/data/models"
    dashboard = containers(deployments["anomalia-dashboard"])[0]["command"]
    assert dashboard[:2] == ["anomalia", "dashboard"]
    # Both read the one store the cluster runs.
    store = stream[stream.index("--store") + 1]
    assert dashboard[dashboard.index("--store") + 1] == store
    store_service = by_kind("Service")[store.split("//")[1].split(":")[0]]
    assert store_service["spec"]["ports"][0]["port"] == int(store.split(":")[2].split("/")[0])
    # One writer: the stream detector is never run twice at once.
    assert deployments["anomalia-stream"]["spec"]["replicas"] == 1
    assert deployments["anomalia-stream"]["spec"]["strategy"]["type"] == "Recreate"


@pytest.mark.parametrize("name", sorted(workloads()))
def test_every_container_has_probes_and_bounded_resources(name):
    for container in containers(workloads()[name]):
        assert "livenessProbe" in container and "readinessProbe" in container
        for bound in ("requests", "limits"):
            assert {"cpu", "memory"} <= set(container["resources"][bound])
        for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
            port = container.get(probe, {}).get("httpGet", {}).get("port")
            if port is not None:
                assert port in {p["name"] for p in container["ports"]}


def test_api_probes_are_health_and_ready_and_the_key_is_a_secret():
    api = containers(by_kind("Deployment")["anomalia-api"])[0]
    assert api["livenessProbe"]["httpGet"]["path"] == "/health"
    assert api["readinessProbe"]["httpGet"]["path"] == "/ready"
    env = {variable["name"]: variable for variable in api["env"]}
    reference = env["ANOMALIA_API_KEY"]["valueFrom"]["secretKeyRef"]
    assert reference == {"name": "anomalia-api-key", "key": "api-key"}
    assert "value" not in env["ANOMALIA_API_KEY"]
    # The key is created in the cluster, never committed.
    assert by_kind("Secret") == {}
    assert (
        "kubectl -n anomalia create secret generic anomalia-api-key"
        in (K8S / "kustomization.yaml").read_text()
    )


def test_services_select_their_pods_and_name_their_ports():
    pods = {
        name: workload["spec"]["template"]["metadata"]["labels"]
        for name, workload in workloads().items()
    }
    for name, service in by_kind("Service").items():
        selector = service["spec"]["selector"]
        (workload,) = [w for w, labels in pods.items() if selector.items() <= labels.items()]
        ports = {p["name"] for c in containers(workloads()[workload]) for p in c.get("ports", [])}
        for port in service["spec"]["ports"]:
            assert port["targetPort"] in ports, f"service {name}"
    for workload in workloads().values():
        labels = workload["spec"]["template"]["metadata"]["labels"]
        assert workload["spec"]["selector"]["matchLabels"].items() <= labels.items()


def test_claims_used_by_pods_exist():
    claims = set(by_kind("PersistentVolumeClaim"))
    for workload in workloads().values():
        for volume in workload["spec"]["template"]["spec"].get("volumes", []):
            if "persistentVolumeClaim" in volume:
                assert volume["persistentVolumeClaim"]["claimName"] in claims
    for container in containers(by_kind("Deployment")["anomalia-api"]):
        mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
        assert mounts["/data/models"]["readOnly"] is True


def test_pods_run_as_the_image_user():
    dockerfile = (ROOT / "Dockerfile").read_text()
    uid = int(dockerfile.split("--uid ")[1].split()[0])
    for name, workload in by_kind("Deployment").items():
        context = workload["spec"]["template"]["spec"]["securityContext"]
        assert context["runAsNonRoot"] is True and context["runAsUser"] == uid, name
    for name, workload in by_kind("Deployment").items():
        for container in containers(workload):
            assert container["securityContext"]["allowPrivilegeEscalation"] is False, name


def test_dask_scheduler_and_workers_run_from_the_image_and_find_each_other():
    deployments = by_kind("Deployment")
    scheduler = containers(deployments["anomalia-dask-scheduler"])[0]
    worker = containers(deployments["anomalia-dask-worker"])[0]
    api = containers(deployments["anomalia-api"])[0]
    assert scheduler["image"] == worker["image"] == api["image"]
    assert scheduler["command"][:2] == ["dask", "scheduler"]
    port = int(scheduler["command"][scheduler["command"].index("--port") + 1])
    assert worker["command"][:2] == ["dask", "worker"]
    address = worker["command"][2]
    host, service_port = address.removeprefix("tcp://").split(":")
    service = by_kind("Service")[host]
    assert {p["port"] for p in service["spec"]["ports"]} >= {int(service_port)} == {port}
    # One thread per worker process: scoring holds the GIL.
    assert worker["command"][worker["command"].index("--nthreads") + 1] == "1"
    assert deployments["anomalia-dask-scheduler"]["spec"]["replicas"] == 1
    # Workers read the models and share a read-write work volume.
    mounts = {m["mountPath"]: m for m in worker["volumeMounts"]}
    assert mounts["/data/models"]["readOnly"] is True and "/data/work" in mounts
    # Neither has authentication: only pods of the namespace reach them.
    policy = by_kind("NetworkPolicy")["internal-only"]
    guarded = policy["spec"]["podSelector"]["matchExpressions"][0]["values"]
    assert {"anomalia-dask-scheduler", "anomalia-dask-worker"} <= set(guarded)
    # Compose runs the same two commands against its own scheduler service.
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    assert services["dask-scheduler"]["entrypoint"][:4] == ["dask", "scheduler", "--port", "8786"]
    compose_worker = services["dask-worker"]["entrypoint"]
    assert compose_worker[:3] == ["dask", "worker", "tcp://dask-scheduler:8786"]
    assert compose_worker[compose_worker.index("--nthreads") + 1] == "1"
