"""What only production has: autoscaling, disruption budgets, a NATS JetStream cluster with
streams on three servers, default-deny NetworkPolicies opened exactly as far as each workload
needs, secure cookies, public URLs and pods spread over nodes."""

from typing import Any

import pytest
from k8s_manifests import Rendered

SERVICES = ("auth", "tickets", "orders", "payments", "expiration", "contact", "client")
WITH_MONGO = ("auth", "tickets", "orders", "payments", "contact")
HTTP = ("auth", "tickets", "orders", "payments", "client")
EDGE_NAMESPACE = "envoy-gateway-system"


def config(overlay: Rendered, service: str) -> dict[str, str]:
    (found,) = [
        c
        for c in overlay.of_kind("ConfigMap")
        if c["metadata"]["name"].rsplit("-", 1)[0] == f"{service}-config"
    ]
    data: dict[str, str] = found["data"]
    return data


def test_every_service_has_two_replicas_an_autoscaler_and_a_disruption_budget(
    prod: Rendered,
) -> None:
    for service in SERVICES:
        deployment = prod.one("Deployment", service)
        assert deployment["spec"]["replicas"] >= 2
        scaler = prod.one("HorizontalPodAutoscaler", service)
        assert scaler["spec"]["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": service,
        }
        assert scaler["spec"]["minReplicas"] >= 2
        budget = prod.one("PodDisruptionBudget", service)
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        selector = budget["spec"]["selector"]["matchLabels"]
        assert selector.items() <= labels.items()
        assert budget["spec"]["minAvailable"] < scaler["spec"]["minReplicas"]


def test_dev_runs_one_replica_of_everything(dev: Rendered) -> None:
    assert {w["spec"]["replicas"] for w in dev.workloads} == {1}
    assert dev.of_kind("HorizontalPodAutoscaler") == []


def test_nats_is_a_three_node_cluster_and_the_streams_have_three_replicas(
    dev: Rendered, prod: Rendered
) -> None:
    assert prod.one("StatefulSet", "nats")["spec"]["replicas"] == 3
    (nats_config,) = [
        c for c in prod.of_kind("ConfigMap") if c["metadata"]["name"].startswith("nats-config")
    ]
    text = nats_config["data"]["nats.conf"]
    assert "cluster {" in text
    assert all(f"nats://nats-{n}.nats-headless:6222" in text for n in range(3))
    for service in SERVICES:
        if service != "client":
            assert config(prod, service)["NATS_STREAM_REPLICAS"] == "3", service
            assert config(dev, service)["NATS_STREAM_REPLICAS"] == "1", service


def test_prod_cookies_are_secure_and_urls_are_the_public_https_host(
    dev: Rendered, prod: Rendered
) -> None:
    assert config(prod, "auth")["COOKIE_SECURE"] == "true"
    assert config(dev, "auth")["COOKIE_SECURE"] == "false"
    assert config(prod, "contact")["PUBLIC_URL"] == "https://zombilet.com"
    assert config(dev, "contact")["PUBLIC_URL"] == "http://zombilet.dev"
    assert config(prod, "payments")["PUBLIC_URL"] == "https://zombilet.com"
    assert config(dev, "payments")["PUBLIC_URL"] == "http://zombilet.dev"
    assert config(prod, "client")["API_BASE_URL"] == "https://zombilet.com"


def test_every_prod_pod_spreads_over_nodes(prod: Rendered) -> None:
    for workload in prod.workloads:
        (spread,) = Rendered.pod(workload)["topologySpreadConstraints"]
        assert spread["topologyKey"] == "kubernetes.io/hostname"
        assert spread["matchLabelKeys"] == ["app.kubernetes.io/name"]
        labels = workload["spec"]["template"]["metadata"]["labels"]
        assert spread["labelSelector"]["matchLabels"].items() <= labels.items()


# NetworkPolicies ------------------------------------------------------------------------------


def selects(policy: dict[str, Any], labels: dict[str, str]) -> bool:
    wanted = policy["spec"]["podSelector"].get("matchLabels", {})
    return bool(wanted.items() <= labels.items())


def pod_labels(prod: Rendered) -> dict[str, dict[str, str]]:
    return {
        w["metadata"]["name"]: w["spec"]["template"]["metadata"]["labels"] for w in prod.workloads
    }


def peers(rules: list[dict[str, Any]], direction: str) -> set[tuple[str, int]]:
    """(peer, port) pairs a list of rules allows: a pod's name, a namespace, "dns" or a CIDR."""
    allowed = set()
    for rule in rules:
        for peer in rule[direction]:
            if "ipBlock" in peer:
                name = peer["ipBlock"]["cidr"]
            elif "namespaceSelector" in peer:
                namespace = peer["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
                name = "dns" if namespace == "kube-system" else namespace
            else:
                name = peer["podSelector"]["matchLabels"]["app.kubernetes.io/name"]
            allowed |= {(name, port["port"]) for port in rule["ports"]}
    return allowed


@pytest.fixture
def policies(prod: Rendered) -> dict[str, dict[str, Any]]:
    return {p["metadata"]["name"]: p for p in prod.of_kind("NetworkPolicy")}


def test_everything_is_denied_unless_a_policy_allows_it(
    prod: Rendered, policies: dict[str, dict[str, Any]]
) -> None:
    deny = policies["default-deny"]["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    for name, labels in pod_labels(prod).items():
        own = [p for n, p in policies.items() if n != "default-deny" and selects(p, labels)]
        assert len(own) == 1, name
        assert own[0]["spec"]["policyTypes"] == ["Ingress", "Egress"]


def test_each_service_reaches_exactly_its_own_stores_and_dns(
    policies: dict[str, dict[str, Any]],
) -> None:
    for service in SERVICES:
        egress = peers(policies[service]["spec"]["egress"], "to")
        expected = {("dns", 53)}
        if service in WITH_MONGO:
            expected.add((f"{service}-mongo", 27017))
        if service != "client":
            expected.add(("nats", 4222))
        if service == "expiration":
            expected.add(("redis", 6379))
        if service in ("payments", "contact"):
            expected.add(("0.0.0.0/0", 443))
        if service == "client":
            expected |= {(EDGE_NAMESPACE, 10080), (EDGE_NAMESPACE, 10443)}
        assert egress == expected, service


def test_only_the_gateway_reaches_the_http_services(policies: dict[str, dict[str, Any]]) -> None:
    for service in SERVICES:
        ingress = peers(policies[service]["spec"]["ingress"], "from")
        assert ingress == ({(EDGE_NAMESPACE, 3000)} if service in HTTP else set()), service


def test_each_store_admits_only_its_own_service(policies: dict[str, dict[str, Any]]) -> None:
    for service in WITH_MONGO:
        ingress = peers(policies[f"{service}-mongo"]["spec"]["ingress"], "from")
        assert ingress == {(service, 27017)}
        assert policies[f"{service}-mongo"]["spec"]["egress"] == []
    assert peers(policies["redis"]["spec"]["ingress"], "from") == {("expiration", 6379)}
    nats_in = peers(policies["nats"]["spec"]["ingress"], "from")
    assert nats_in == {(s, 4222) for s in SERVICES if s != "client"} | {("nats", 6222)}
