"""Every Deployment and StatefulSet, in both overlays: probes, resources, the restricted
security context, no service-account token, and time to drain before it is killed."""

from typing import Any

import pytest
from k8s_manifests import Rendered

# uvicorn's graceful shutdown (zombilet_common.runtime.serve) plus the NATS drain after it.
SERVICE_DRAIN_SECONDS = 20
SERVICES = {"auth", "tickets", "orders", "payments", "expiration", "contact", "client"}
DATA = {f"{name}-mongo" for name in ("auth", "tickets", "orders", "payments", "contact")}
USER_ID = 10001


def named(workloads: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {workload["metadata"]["name"]: workload for workload in workloads}


@pytest.fixture(params=["dev", "prod"])
def overlay(request: pytest.FixtureRequest, rendered: dict[str, Rendered]) -> Rendered:
    return rendered[request.param]


def test_each_service_runs_as_a_deployment_and_each_store_as_a_statefulset(
    overlay: Rendered,
) -> None:
    assert set(named(overlay.of_kind("Deployment"))) == SERVICES
    assert set(named(overlay.of_kind("StatefulSet"))) == DATA | {"nats", "redis"}


def test_services_probe_healthz_for_liveness_and_readyz_for_readiness(overlay: Rendered) -> None:
    for name, workload in named(overlay.of_kind("Deployment")).items():
        (container,) = Rendered.containers(workload)
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz", name
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz", name
        assert container["startupProbe"]["httpGet"]["path"] == "/healthz", name
        port = container["livenessProbe"]["httpGet"]["port"]
        assert port in {p["name"] for p in container["ports"]}, name
        assert {p["containerPort"] for p in container["ports"]} == {3000}, name


def test_every_container_has_liveness_readiness_and_startup_probes(overlay: Rendered) -> None:
    for workload in overlay.workloads:
        for container in Rendered.containers(workload):
            probes = {"livenessProbe", "readinessProbe", "startupProbe"} & set(container)
            assert len(probes) == 3, (workload["metadata"]["name"], probes)


def test_nats_is_probed_on_its_monitoring_port(overlay: Rendered) -> None:
    (container,) = Rendered.containers(overlay.one("StatefulSet", "nats"))
    monitor = {p["name"]: p["containerPort"] for p in container["ports"]}["http"]
    assert monitor == 8222
    assert container["livenessProbe"]["httpGet"]["path"].startswith("/healthz")
    assert container["readinessProbe"]["httpGet"] == {"path": "/healthz", "port": "http"}


def test_every_container_requests_and_limits_cpu_and_memory(overlay: Rendered) -> None:
    for workload in overlay.workloads:
        for container in Rendered.containers(workload):
            for bound in ("requests", "limits"):
                assert set(container["resources"][bound]) == {"cpu", "memory"}, (
                    workload["metadata"]["name"],
                    bound,
                )


def test_every_pod_runs_restricted(overlay: Rendered) -> None:
    for workload in overlay.workloads:
        name = workload["metadata"]["name"]
        pod = Rendered.pod(workload)
        assert pod["securityContext"]["runAsNonRoot"] is True, name
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, name
        tmp = {v["name"]: v for v in pod["volumes"]}["tmp"]
        assert "emptyDir" in tmp, name
        for container in Rendered.containers(workload):
            context = container["securityContext"]
            assert context["runAsNonRoot"] is True, name
            assert context["runAsUser"] == USER_ID, name
            assert isinstance(context["runAsUser"], int), name
            # Only dev's services, whose sources skaffold syncs into /app, may write there.
            synced = overlay.name == "dev" and workload["kind"] == "Deployment"
            assert context["readOnlyRootFilesystem"] is not synced, name
            assert context["allowPrivilegeEscalation"] is False, name
            assert context["capabilities"] == {"drop": ["ALL"]}, name
            assert context["seccompProfile"] == {"type": "RuntimeDefault"}, name
            mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
            assert mounts["/tmp"] == "tmp", name


def test_no_pod_mounts_a_service_account_token(overlay: Rendered) -> None:
    # None of the workloads talks to the Kubernetes API.
    for workload in overlay.workloads:
        pod = Rendered.pod(workload)
        assert pod["automountServiceAccountToken"] is False, workload["metadata"]["name"]


def test_pods_get_longer_to_stop_than_the_services_take_to_drain(overlay: Rendered) -> None:
    for workload in overlay.workloads:
        pod = Rendered.pod(workload)
        (container,) = pod["containers"]
        pre_stop = container.get("lifecycle", {}).get("preStop", {}).get("sleep", {})
        needed = SERVICE_DRAIN_SECONDS + pre_stop.get("seconds", 0)
        assert pod["terminationGracePeriodSeconds"] > needed, workload["metadata"]["name"]


def test_stores_keep_their_data_on_a_persistent_volume(overlay: Rendered) -> None:
    for workload in overlay.of_kind("StatefulSet"):
        claims = [c["metadata"]["name"] for c in workload["spec"]["volumeClaimTemplates"]]
        assert claims == ["data"]
        (container,) = Rendered.containers(workload)
        assert "data" in {m["name"] for m in container["volumeMounts"]}
        assert workload["spec"]["serviceName"] in {
            s["metadata"]["name"] for s in overlay.of_kind("Service")
        }


def test_mongo_is_version_7_and_redis_keeps_an_append_only_file(overlay: Rendered) -> None:
    for name in DATA:
        (container,) = Rendered.containers(overlay.one("StatefulSet", name))
        assert container["image"].split("@")[0].startswith("mongo:7")
    (redis,) = Rendered.containers(overlay.one("StatefulSet", "redis"))
    args = redis["args"]
    assert args[args.index("--appendonly") + 1] == "yes"


def test_nats_runs_jetstream_on_file_storage(rendered: dict[str, Rendered]) -> None:
    for overlay in rendered.values():
        (config,) = [
            c for c in overlay.of_kind("ConfigMap") if c["metadata"]["name"].startswith("nats-")
        ]
        text = config["data"]["nats.conf"]
        assert "jetstream {" in text
        assert "store_dir: /data/jetstream" in text
