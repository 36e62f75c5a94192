"""deploy/kubernetes: valid against the Kubernetes 1.37 schemas (shipped offline by the
`kubernetes-validate` package), and consistent with each other, the image and the app."""
from __future__ import annotations

from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from service.app import create_app
from service.cli import build_parser
from service.config import OPTIONS, Settings, settings_from

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "deploy" / "kubernetes"
K8S_VERSION = "1.37.0"
# One worker with the embedded default (places, polygons, region grid), `ps -o rss` in the tile benchmark (README, Sizing).
MEASURED_RSS_MIB = 452


def documents() -> list[dict]:
    return [doc for path in sorted(K8S.glob("*.yaml")) for doc in yaml.safe_load_all(path.read_text()) if doc]


def resource(kind: str) -> dict:
    (found,) = [doc for doc in documents() if doc["kind"] == kind]
    return found


def container() -> dict:
    (only,) = resource("Deployment")["spec"]["template"]["spec"]["containers"]
    return only


@pytest.mark.parametrize("doc", [d for d in documents() if d["kind"] != "Kustomization"],
                         ids=lambda d: d["kind"])
def test_manifest_is_valid_for_kubernetes_in_strict_mode(doc):
    kubernetes_validate.validate(doc, K8S_VERSION, strict=True)


def test_kustomization_lists_every_manifest():
    listed = set(resource("Kustomization")["resources"])
    assert listed == {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}


def test_service_pdb_and_deployment_select_the_pod_labels():
    deployment = resource("Deployment")
    labels = deployment["spec"]["template"]["metadata"]["labels"]
    for selector in (deployment["spec"]["selector"]["matchLabels"], resource("Service")["spec"]["selector"],
                     resource("PodDisruptionBudget")["spec"]["selector"]["matchLabels"]):
        assert selector.items() <= labels.items()


def test_service_targets_a_named_container_port():
    ports = {p["name"]: p["containerPort"] for p in container()["ports"]}
    (service_port,) = resource("Service")["spec"]["ports"]
    assert service_port["targetPort"] in ports
    assert ports[service_port["targetPort"]] == int(resource("ConfigMap")["data"]["TILEGEO_PORT"])


def test_probes_use_health_for_liveness_and_ready_for_readiness():
    probes = {name: container()[name]["httpGet"] for name in ("startupProbe", "livenessProbe", "readinessProbe")}
    assert probes["livenessProbe"]["path"] == probes["startupProbe"]["path"] == "/health"
    assert probes["readinessProbe"]["path"] == "/ready"
    assert {p["port"] for p in probes.values()} == {"http"}


def test_probe_paths_are_routes_of_the_app():
    paths = {route.path for route in create_app(Settings()).routes}
    for name in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert container()[name]["httpGet"]["path"] in paths


def test_pods_run_unprivileged_on_a_read_only_root():
    pod = resource("Deployment")["spec"]["template"]["spec"]
    security = container()["securityContext"]
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] != 0
    assert security["readOnlyRootFilesystem"] is True
    assert security["allowPrivilegeEscalation"] is False
    assert security["capabilities"]["drop"] == ["ALL"]
    assert {m["mountPath"] for m in container()["volumeMounts"]} >= {"/tmp"}
    assert pod["automountServiceAccountToken"] is False


def test_pod_user_is_the_image_user():
    user = next(line.split()[1] for line in (REPO / "Dockerfile").read_text().splitlines() if line.startswith("USER "))
    pod = resource("Deployment")["spec"]["template"]["spec"]["securityContext"]
    assert user == f"{pod['runAsUser']}:{pod['runAsGroup']}"


def mebibytes(quantity: str) -> float:
    units = {"Mi": 1, "Gi": 1024}
    return float(quantity[:-2]) * units[quantity[-2:]]


def test_memory_is_sized_from_the_measured_worker_with_headroom():
    resources = container()["resources"]
    request, limit = mebibytes(resources["requests"]["memory"]), mebibytes(resources["limits"]["memory"])
    assert request >= 1.1 * MEASURED_RSS_MIB
    assert limit >= 2 * MEASURED_RSS_MIB
    assert "cpu" in resources["requests"]          # the HPA's utilization is relative to it


def test_hpa_scales_the_deployment_and_the_pdb_leaves_a_replica():
    hpa, pdb = resource("HorizontalPodAutoscaler"), resource("PodDisruptionBudget")
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment",
                                             "name": resource("Deployment")["metadata"]["name"]}
    assert hpa["spec"]["minReplicas"] >= 2
    assert pdb["spec"]["maxUnavailable"] < hpa["spec"]["minReplicas"]


def test_rolling_updates_never_drop_below_the_replica_count():
    strategy = resource("Deployment")["spec"]["strategy"]["rollingUpdate"]
    assert strategy["maxUnavailable"] == 0 and strategy["maxSurge"] >= 1


def test_configmap_holds_only_real_settings_that_parse():
    data = resource("ConfigMap")["data"]
    assert set(data) <= {option.env for option in OPTIONS}
    settings = settings_from(data)
    assert settings.workers == 1 and settings.host == "0.0.0.0"
    assert settings.remote_tiles and settings.remote_tiles[0][1].endswith(".pmtiles")


def test_container_command_is_a_valid_tilegeo_command():
    args = container()["args"]
    assert args[0] == "tilegeo"
    assert hasattr(build_parser().parse_args(args[1:]), "run")
    assert container()["envFrom"] == [{"configMapRef": {"name": resource("ConfigMap")["metadata"]["name"]}}]
