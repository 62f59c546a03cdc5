"""The Gateway API and Envoy Gateway objects validate against their published schemas (npm's
@kubernetes-models packages, run by infra/k8s/checks/validate.mjs), and checkov finds nothing
in the rendered prod overlay that is not justified where it is skipped."""

import copy
import json
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from k8s_manifests import K8S, ROOT, Rendered

CHECKS = K8S / "checks"
CHECKOV = ROOT / ".tools" / "checkov" / "bin" / "checkov"
EDGE_GROUPS = ("gateway.networking.k8s.io/", "gateway.envoyproxy.io/")


def validate(*files: Path) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    if node is None or not (CHECKS / "node_modules").is_dir():
        pytest.fail("the schema check needs node and `make k8s-tools` (npm ci in infra/k8s/checks)")
    return subprocess.run(
        [node, str(CHECKS / "validate.mjs"), *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
        cwd=CHECKS,
    )


def test_every_gateway_object_of_both_overlays_matches_its_published_schema(
    rendered: dict[str, Rendered], tmp_path: Path
) -> None:
    files = []
    expected = 0
    for name, overlay in rendered.items():
        path = tmp_path / f"{name}.yaml"
        path.write_text(overlay.text)
        files.append(path)
        expected += sum(obj["apiVersion"].startswith(EDGE_GROUPS) for obj in overlay.objects)
    done = validate(*files)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[-1] == f"{expected} valid, 0 invalid"
    assert "valid BackendTrafficPolicy/auth-rate-limited" in done.stdout
    assert "valid HTTPRouteFilter/api-not-found" in done.stdout


def test_the_schema_check_refuses_a_broken_policy_and_an_unknown_kind(
    dev: Rendered, tmp_path: Path
) -> None:
    policy = copy.deepcopy(dev.one("BackendTrafficPolicy", "auth-rate-limited"))
    policy["spec"]["rateLimit"]["local"]["rules"][0]["limit"]["unit"] = "Fortnight"
    misspelt = copy.deepcopy(dev.one("Gateway", "zombilet"))
    misspelt["spec"]["listeners"][0]["alowedRoutes"] = misspelt["spec"]["listeners"][0].pop(
        "allowedRoutes"
    )
    unknown = {"apiVersion": "gateway.envoyproxy.io/v1alpha1", "kind": "Made", "metadata": {}}
    path = tmp_path / "broken.yaml"
    path.write_text(yaml.safe_dump_all([policy, misspelt, unknown]))
    done = validate(path)
    assert done.returncode == 1
    assert done.stdout.splitlines()[-1] == "0 valid, 3 invalid"
    assert "rateLimit/local/rules/0/limit/unit" in done.stderr
    assert "fields no schema declares: /spec/listeners/0/alowedRoutes" in done.stderr
    assert "Made/undefined (gateway.envoyproxy.io/v1alpha1): no published schema" in done.stderr


def checkov(directory: Path) -> dict[str, object]:
    if not CHECKOV.exists():
        pytest.fail(f"checkov is missing: `make k8s-tools` installs it into {CHECKOV.parent}")
    done = subprocess.run(
        [
            str(CHECKOV),
            "--directory",
            str(directory),
            "--framework",
            "kubernetes",
            "--output",
            "json",
            "--skip-download",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.stdout, done.stderr
    report: dict[str, object] = json.loads(done.stdout)
    return report


def test_checkov_finds_nothing_unjustified_in_the_prod_overlay(
    prod: Rendered, tmp_path: Path
) -> None:
    (tmp_path / "prod.yaml").write_text(prod.text)
    report = checkov(tmp_path)
    summary = report["summary"]
    assert isinstance(summary, dict)
    results = report["results"]
    assert isinstance(results, dict)
    failed = [(c["check_id"], c["resource"]) for c in results.get("failed_checks", [])]
    assert failed == []
    assert summary["passed"] > 500
    for skipped in results.get("skipped_checks", []):
        reason = skipped["check_result"].get("suppress_comment", "")
        assert len(reason) > 40, (skipped["check_id"], skipped["resource"], reason)
