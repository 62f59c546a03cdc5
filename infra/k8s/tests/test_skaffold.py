"""skaffold.yaml names one artifact per service and the client, built from its Dockerfile's
dev stage with file sync from its source, and deploys overlays that exist and render."""

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from k8s_manifests import ROOT, kustomize

MEMBERS = ("auth", "tickets", "orders", "payments", "expiration", "contact", "client")
# The oldest schema with everything used here; later v4 betas only add fields.
SCHEMA = re.compile(r"^skaffold/v4beta(\d+)$")


@pytest.fixture(scope="module")
def skaffold() -> dict[str, Any]:
    config: dict[str, Any] = yaml.safe_load((ROOT / "skaffold.yaml").read_text())
    return config


def artifacts(skaffold: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {a["image"]: a for a in skaffold["build"]["artifacts"]}


def apply_patches(config: dict[str, Any], patches: list[dict[str, Any]]) -> dict[str, Any]:
    """The JSON-patch `remove` and `replace` operations skaffold profiles use here."""
    patched = copy.deepcopy(config)
    for patch in patches:
        *parents, last = patch["path"].strip("/").split("/")
        node: Any = patched
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        key: Any = int(last) if isinstance(node, list) else last
        assert patch["op"] in ("remove", "replace"), patch
        if patch["op"] == "remove":
            del node[key]
        else:
            node[key] = patch["value"]
    return patched


def test_the_schema_is_v4beta13_or_later(skaffold: dict[str, Any]) -> None:
    match = SCHEMA.match(skaffold["apiVersion"])
    assert match
    assert int(match[1]) >= 13
    assert skaffold["kind"] == "Config"


def test_one_artifact_per_service_and_the_client(skaffold: dict[str, Any]) -> None:
    assert sorted(artifacts(skaffold)) == sorted(f"zombilet/{m}" for m in MEMBERS)
    for member in MEMBERS:
        artifact = artifacts(skaffold)[f"zombilet/{member}"]
        assert artifact["context"] == "."
        assert artifact["docker"] == {"dockerfile": f"{member}/Dockerfile", "target": "dev"}


def test_each_artifact_syncs_its_member_s_source(skaffold: dict[str, Any]) -> None:
    for member in MEMBERS:
        rules = artifacts(skaffold)[f"zombilet/{member}"]["sync"]["manual"]
        assert {"src": f"{member}/src/**", "dest": "/app"} in rules
        for rule in rules:
            source = rule["src"].split("/**")[0]
            assert (ROOT / source).is_dir(), f"{member}: sync source {source} is missing"
            assert any(Path(ROOT).glob(rule["src"])), rule


def test_each_dockerfile_exists_with_a_dev_stage(skaffold: dict[str, Any]) -> None:
    for artifact in skaffold["build"]["artifacts"]:
        dockerfile = ROOT / artifact["context"] / artifact["docker"]["dockerfile"]
        assert dockerfile.is_file(), f"{dockerfile.relative_to(ROOT)} is missing"
        stages = re.findall(r"^FROM\s+\S+\s+AS\s+(\S+)", dockerfile.read_text(), re.I | re.M)
        assert artifact["docker"]["target"] in stages, dockerfile


def test_the_deployed_manifests_render_and_use_every_artifact(skaffold: dict[str, Any]) -> None:
    prod = next(p for p in skaffold["profiles"] if p["name"] == "prod")
    for config in (skaffold, apply_patches({**skaffold, **prod}, prod.get("patches", []))):
        images = set()
        for path in config["manifests"]["kustomize"]["paths"]:
            assert (ROOT / path / "kustomization.yaml").is_file(), path
            for obj in yaml.safe_load_all(kustomize(ROOT / path)):
                if obj and obj["kind"] in ("Deployment", "StatefulSet"):
                    pod = obj["spec"]["template"]["spec"]
                    images |= {c["image"].split(":")[0] for c in pod["containers"]}
        assert set(artifacts(config)) <= images
    assert [p["kustomize"] for p in [prod["manifests"]]] == [{"paths": ["infra/k8s/overlays/prod"]}]
    assert skaffold["manifests"]["kustomize"]["paths"] == ["infra/k8s/overlays/dev"]
    assert "kubectl" in skaffold["deploy"]


def test_the_prod_profile_builds_runtime_stages_without_sync(skaffold: dict[str, Any]) -> None:
    prod = next(p for p in skaffold["profiles"] if p["name"] == "prod")
    patched = apply_patches(skaffold, prod["patches"])
    for artifact in patched["build"]["artifacts"]:
        assert "target" not in artifact["docker"], artifact["image"]
        assert "sync" not in artifact, artifact["image"]
