"""Every workflow points at paths that exist, follows least privilege, and every member has one."""

import re
import shlex
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[3]
WORKFLOWS = ROOT / ".github" / "workflows"
SHARED_FILTERS = {"common/**", "uv.lock", "pyproject.toml"}
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
# pytest options that take a value, which is not a path.
VALUE_OPTIONS = {"-m", "-k", "-p", "-o", "--timeout"}


def workspace_members() -> list[str]:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    members: list[str] = pyproject["tool"]["uv"]["workspace"]["members"]
    return members


def load(path: Path) -> dict[str, Any]:
    document: dict[Any, Any] = yaml.safe_load(path.read_text())
    # YAML 1.1 reads a bare `on` key as true.
    if True in document:
        document["on"] = document.pop(True)
    return document


def member_workflow(member: str) -> Path:
    return WORKFLOWS / f"{Path(member).name}.yml"


def workflow_paths() -> list[Path]:
    return sorted(WORKFLOWS.glob("*.yml"))


def steps(document: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for job in document["jobs"].values():
        yield from job.get("steps", [])


def filters(document: dict[str, Any], event: str) -> list[str]:
    trigger = document["on"].get(event) or {}
    return [*trigger.get("paths", []), *trigger.get("paths-ignore", [])]


def pytest_paths(command: str) -> list[str]:
    """The paths a `pytest` command line names (options and their values left out)."""
    found: list[str] = []
    for line in command.splitlines():
        words = shlex.split(line)
        if "pytest" not in words:
            continue
        rest = iter(words[words.index("pytest") + 1 :])
        for word in rest:
            if word in VALUE_OPTIONS:
                next(rest, None)
            elif not word.startswith("-"):
                found.append(word)
    return found


def test_pytest_paths_leave_out_options_and_their_values() -> None:
    command = 'uv run --no-sync pytest -q -m "not integration" -p no:cacheprovider auth/tests x'

    assert pytest_paths(command) == ["auth/tests", "x"]


@pytest.mark.parametrize("member", workspace_members())
def test_every_member_with_sources_has_its_workflow(member: str) -> None:
    assert (ROOT / member / "src").is_dir(), f"{member} has no src/"
    path = member_workflow(member)
    assert path.exists(), f"{member} has no workflow {path.relative_to(ROOT)}"

    document = load(path)
    for event in ("pull_request", "push"):
        wanted = {f"{member}/**", *SHARED_FILTERS, f".github/workflows/{path.name}"}
        assert wanted <= set(filters(document, event)), f"{path.name} {event}"
    assert document["on"]["push"]["branches"] == ["main"]
    runs = [step["run"] for step in steps(document) if "run" in step]
    assert any(f"{member}/tests" in pytest_paths(run) for run in runs if "not integration" in run)
    assert any(f"{member}/tests" in pytest_paths(run) for run in runs if "-m integration" in run)


@pytest.mark.parametrize("path", workflow_paths(), ids=lambda path: path.name)
def test_paths_named_by_a_workflow_exist(path: Path) -> None:
    document = load(path)
    missing: list[str] = []

    for event in ("pull_request", "push"):
        missing += [pattern for pattern in filters(document, event) if not any(ROOT.glob(pattern))]
    for step in steps(document):
        directory = step.get("working-directory")
        if directory is not None and not (ROOT / directory).is_dir():
            missing.append(directory)
        missing += [
            named for named in pytest_paths(step.get("run", "")) if not (ROOT / named).exists()
        ]
        file = step.get("with", {}).get("file")
        if file is not None and "${{" not in file and not (ROOT / file).exists():
            missing.append(file)
    assert missing == [], f"{path.name} names what does not exist"


@pytest.mark.parametrize("path", workflow_paths(), ids=lambda path: path.name)
def test_workflows_follow_least_privilege(path: Path) -> None:
    document = load(path)
    text = path.read_text()

    assert document["permissions"] == {"contents": "read"}
    assert document["concurrency"]["cancel-in-progress"] is True
    assert "github.ref" in document["concurrency"]["group"]
    for step in steps(document):
        if "uses" in step:
            assert PINNED.match(step["uses"]), f"{path.name}: {step['uses']} not pinned by SHA"
        # Text from an event (titles, branch names) is attacker-controlled; never in a script.
        assert "github.event." not in step.get("run", ""), f"{path.name}: {step.get('name')}"
        assert "github.head_ref" not in step.get("run", "")
    if path.name != "images.yml":
        assert "packages:" not in text
    for step in steps(document):
        if step.get("uses", "").startswith("actions/checkout@"):
            assert step.get("with", {}).get("persist-credentials") is False


def test_only_main_pushes_images_and_only_that_job_may_write_packages() -> None:
    document = load(WORKFLOWS / "images.yml")
    jobs = document["jobs"]
    writers = {
        name for name, job in jobs.items() if job.get("permissions", {}).get("packages") == "write"
    }

    assert writers == {"publish"}
    assert jobs["publish"]["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    for name, job in jobs.items():
        for step in job["steps"]:
            if step.get("uses", "").startswith("docker/build-push-action@"):
                assert step["with"]["push"] is (name == "publish")
                if name == "publish":
                    assert step["with"]["tags"].endswith(":${{ github.sha }}")


def test_images_are_built_for_every_member_with_a_dockerfile() -> None:
    with_dockerfile = sorted(path.parent.name for path in ROOT.glob("*/Dockerfile"))
    jobs = load(WORKFLOWS / "images.yml")["jobs"]

    for job in jobs.values():
        assert sorted(job["strategy"]["matrix"]["member"]) == with_dockerfile
