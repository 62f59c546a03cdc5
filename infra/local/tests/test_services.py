"""A service runs only when its package and its `__main__` module are there."""

import importlib
from pathlib import Path

import pytest

from zombilet_local.services import missing


@pytest.fixture
def packages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    return tmp_path


def test_an_absent_package_is_missing(packages: Path) -> None:
    assert missing("nowhere") == "no zombilet_nowhere package"


def test_a_package_without_main_is_missing_its_entry_point(packages: Path) -> None:
    (packages / "zombilet_halfway").mkdir()
    (packages / "zombilet_halfway" / "__init__.py").write_text("")

    assert missing("halfway") == "no zombilet_halfway.__main__ module"


def test_a_package_with_main_can_run(packages: Path) -> None:
    (packages / "zombilet_ready").mkdir()
    (packages / "zombilet_ready" / "__init__.py").write_text("raise RuntimeError('imported')")
    (packages / "zombilet_ready" / "__main__.py").write_text("")

    assert missing("ready") is None
