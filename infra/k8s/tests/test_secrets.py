"""Secrets are referenced by name only: every one a pod reads is created by the dev overlay's
secretGenerator with the keys the pod asks for, and the committed files hold no real value."""

import base64
import re
from typing import Any

import yaml
from k8s_manifests import K8S, Rendered

from zombilet_common.settings import jwt_key_problem

# kustomize appends a ten-character content hash to the names of generated Secrets.
HASHED = re.compile(r"^(?P<name>.+)-[a-z0-9]{10}$")


def secret_refs(overlay: Rendered) -> set[tuple[str, str]]:
    """(Secret, key) of every secretKeyRef of every pod; whole-Secret uses give key "*"."""
    refs = set()
    for workload in overlay.workloads:
        pod = Rendered.pod(workload)
        for container in Rendered.containers(workload):
            for item in container.get("env", []):
                ref = item.get("valueFrom", {}).get("secretKeyRef")
                if ref is not None:
                    refs.add((ref["name"], ref["key"]))
            for source in container.get("envFrom", []):
                if "secretRef" in source:
                    refs.add((source["secretRef"]["name"], "*"))
        for volume in pod.get("volumes", []):
            if "secret" in volume:
                refs.add((volume["secret"]["secretName"], "*"))
    return refs


def unhashed(name: str) -> str:
    match = HASHED.match(name)
    assert match, name
    return match["name"]


def test_every_secret_a_dev_pod_reads_is_generated_with_that_key(dev: Rendered) -> None:
    secrets: dict[str, dict[str, Any]] = {s["metadata"]["name"]: s for s in dev.of_kind("Secret")}
    refs = secret_refs(dev)
    assert len(refs) >= 10
    for name, key in refs:
        assert name in secrets, f"no dev Secret {name}"
        assert key == "*" or key in secrets[name]["data"], f"{name} lacks {key}"


def test_prod_reads_the_same_secrets_as_dev_so_dev_covers_every_one(
    dev: Rendered, prod: Rendered
) -> None:
    dev_refs = {(unhashed(name), key) for name, key in secret_refs(dev)}
    assert secret_refs(prod) == dev_refs


def test_the_jwt_key_is_shared_by_the_services_that_verify_sessions(dev: Rendered) -> None:
    readers = set()
    for workload in dev.of_kind("Deployment"):
        (container,) = Rendered.containers(workload)
        ref = Rendered.env(container).get("JWT_KEY", {}).get("valueFrom", {}).get("secretKeyRef")
        if ref is not None:
            readers.add((workload["metadata"]["name"], unhashed(ref["name"])))
    assert readers == {(n, "zombilet-jwt") for n in ("auth", "tickets", "orders", "payments")}


def test_the_dev_jwt_key_is_long_enough_for_the_services_to_start(dev: Rendered) -> None:
    (secret,) = [
        s for s in dev.of_kind("Secret") if unhashed(s["metadata"]["name"]) == "zombilet-jwt"
    ]
    key = base64.b64decode(secret["data"]["JWT_KEY"]).decode()

    assert jwt_key_problem(key) is None


def test_dev_leaves_the_stripe_and_sendgrid_keys_empty_so_nothing_leaves_the_cluster(
    dev: Rendered,
) -> None:
    for secret in dev.of_kind("Secret"):
        for key, value in secret["data"].items():
            if key.startswith(("STRIPE_", "SENDGRID_")):
                assert base64.b64decode(value) == b"", key


def test_no_committed_manifest_outside_the_dev_overlay_holds_a_secret() -> None:
    checked = 0
    for path in K8S.glob("**/*.yaml"):
        if "node_modules" in path.parts or path.parent.name == "dev":
            continue
        for document in yaml.safe_load_all(path.read_text()):
            assert document.get("kind") != "Secret", path
            assert "secretGenerator" not in document, path
            checked += 1
    assert checked > 50
