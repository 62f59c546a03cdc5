"""Both overlays render with `kubectl kustomize`, and every core object validates strictly
against the Kubernetes API schemas (kubernetes-validate)."""

import copy
from typing import Any

import kubernetes_validate
import pytest
from k8s_manifests import K8S, Rendered
from kubernetes_validate.utils import latest_version

# The oldest Kubernetes the manifests are written for (sleep pre-stop hooks, matchLabelKeys),
# and the newest the validator knows.
VERSIONS = ("1.33.0", latest_version())
CORE_GROUPS = {"v1", "apps", "batch", "policy", "autoscaling", "networking.k8s.io"}


def is_core(obj: dict[str, Any]) -> bool:
    group = obj["apiVersion"].split("/")[0] if "/" in obj["apiVersion"] else "v1"
    return group in CORE_GROUPS


def test_both_overlays_render_every_kind_they_need(rendered: dict[str, Rendered]) -> None:
    for overlay in rendered.values():
        kinds = {obj["kind"] for obj in overlay.objects}
        assert {"Namespace", "Deployment", "StatefulSet", "Service", "ConfigMap"} <= kinds
        assert {"Gateway", "HTTPRoute", "BackendTrafficPolicy", "HTTPRouteFilter"} <= kinds
        assert {obj["metadata"].get("namespace") for obj in overlay.objects} == {None, "zombilet"}
        assert [obj["metadata"]["name"] for obj in overlay.of_kind("Namespace")] == ["zombilet"]
    assert {"Secret"} <= {obj["kind"] for obj in rendered["dev"].objects}
    prod_kinds = {obj["kind"] for obj in rendered["prod"].objects}
    assert {"HorizontalPodAutoscaler", "PodDisruptionBudget", "NetworkPolicy"} <= prod_kinds
    assert "Secret" not in prod_kinds, "prod secrets are created by the operator, not committed"


@pytest.mark.parametrize("version", VERSIONS)
def test_every_core_object_validates_strictly(rendered: dict[str, Rendered], version: str) -> None:
    checked = 0
    for overlay in rendered.values():
        for obj in filter(is_core, overlay.objects):
            kubernetes_validate.validate(obj, version, strict=True)
            checked += 1
    assert checked > 100


def test_strict_validation_refuses_an_unknown_field(dev: Rendered) -> None:
    broken = copy.deepcopy(dev.one("Deployment", "auth"))
    broken["spec"]["template"]["spec"]["containers"][0]["livenessProbes"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, VERSIONS[0], strict=True)


def test_the_kustomizations_only_name_files_that_exist() -> None:
    for kustomization in K8S.glob("**/kustomization.yaml"):
        if "node_modules" in kustomization.parts:
            continue
        text = kustomization.read_text()
        for line in text.splitlines():
            item = line.strip().removeprefix("- ").strip()
            if item.endswith((".yaml", ".conf")) and " " not in item and ":" not in item:
                assert (kustomization.parent / item).exists(), f"{kustomization}: {item}"


def test_every_object_is_labelled_as_part_of_zombilet(rendered: dict[str, Rendered]) -> None:
    for overlay in rendered.values():
        for obj in overlay.objects:
            labels = obj["metadata"].get("labels", {})
            assert labels.get("app.kubernetes.io/part-of") == "zombilet", (
                overlay.name,
                obj["kind"],
                obj["metadata"]["name"],
            )
