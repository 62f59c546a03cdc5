"""Each service's Dockerfile builds that member, runs it as uid 10001 and has a `dev` target."""

import json
import re
from pathlib import Path

import pytest

from zombilet_local.services import SERVICES

ROOT = Path(__file__).resolve().parents[3]
OFFICIAL_BASE = "python:3.11-slim-bookworm"
STAGE = re.compile(r"^FROM\s+(\S+)\s+AS\s+(\S+)\s*$", re.IGNORECASE | re.MULTILINE)


def stages(text: str) -> list[tuple[str, str, str]]:
    """(base, name, body) of every stage, in order."""
    found = list(STAGE.finditer(text))
    ends = [match.start() for match in found[1:]] + [len(text)]
    return [
        (match.group(1), match.group(2), text[match.end() : end])
        for match, end in zip(found, ends, strict=True)
    ]


def instruction(body: str, name: str) -> list[str]:
    return [line.split(None, 1)[1] for line in body.splitlines() if line.startswith(f"{name} ")]


def test_every_service_and_only_they_have_a_dockerfile() -> None:
    assert sorted(path.parent.name for path in ROOT.glob("*/Dockerfile")) == sorted(SERVICES)


@pytest.mark.parametrize("service", SERVICES)
def test_the_dockerfile_builds_and_runs_its_own_member(service: str) -> None:
    text = (ROOT / service / "Dockerfile").read_text()
    named = stages(text)
    by_name = {name: (base, body) for base, name, body in named}

    # Only the first FROM names the official image, so `podman build --from` replaces it for all.
    assert named[0][0] == OFFICIAL_BASE
    assert all(base != OFFICIAL_BASE for base, _, _ in named[1:])
    assert [name for _, name, _ in named][-1] == "runtime"
    assert "dev" in by_name
    assert f"--no-editable --package zombilet-{service}" in by_name["build"][1]
    assert f"--package zombilet-{service}" in by_name["dev"][1]
    for stage in ("dev", "runtime"):
        body = by_name[stage][1]
        assert instruction(body, "USER") == ["10001:10001"], stage
        assert instruction(body, "EXPOSE") == ["3000"], stage
    assert json.loads(instruction(by_name["runtime"][1], "CMD")[0]) == [
        "python",
        "-m",
        f"zombilet_{service}",
    ]
    assert f"python -m zombilet_{service}" in instruction(by_name["dev"][1], "CMD")[0]
    assert "HEALTHCHECK" not in text
    assert "--gid 10001" in by_name["python"][1]
    assert "--uid 10001" in by_name["python"][1]


def test_the_build_context_leaves_out_what_images_do_not_need() -> None:
    ignored = set((ROOT / ".dockerignore").read_text().split())

    assert {".git", ".venv", ".tools", ".images", ".data", "**/tests", "tests"} <= ignored
