"""hadolint passes every Dockerfile and actionlint (with shellcheck) every workflow."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
BIN = Path(sys.executable).parent


def lint(tool: str, *arguments: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    # This environment's bin first, so actionlint finds the locked shellcheck.
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(
        [str(BIN / tool), *arguments],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_every_dockerfile_passes_hadolint() -> None:
    dockerfiles = sorted(str(path.relative_to(ROOT)) for path in ROOT.glob("*/Dockerfile"))
    assert dockerfiles, "no Dockerfile found"

    result = lint("hadolint", "--failure-threshold", "info", *dockerfiles)

    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_flags_a_bad_dockerfile(tmp_path: Path) -> None:
    bad = tmp_path / "Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install uv\n")

    result = lint("hadolint", str(bad))

    assert result.returncode != 0
    assert "DL3007" in result.stdout  # :latest
    assert "DL3013" in result.stdout  # unpinned pip install


def test_every_workflow_passes_actionlint() -> None:
    workflows = sorted(str(path) for path in (ROOT / ".github" / "workflows").glob("*.yml"))
    assert workflows

    result = lint("actionlint", *workflows)

    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_runs_shellcheck_over_run_lines(tmp_path: Path) -> None:
    workflows = tmp_path / ".github" / "workflows"
    workflows.mkdir(parents=True)
    (workflows / "bad.yml").write_text(
        "on: push\n"
        "permissions: {}\n"
        "jobs:\n"
        "  bad:\n"
        "    runs-on: ubuntu-24.04\n"
        "    steps:\n"
        "      - run: cd $RUNNER_TEMP/dir with spaces\n"
    )

    result = lint("actionlint", str(workflows / "bad.yml"), cwd=tmp_path)

    assert result.returncode != 0
    assert "shellcheck" in result.stdout
