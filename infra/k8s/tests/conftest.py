"""Fixtures: the rendered overlays, read once per session, and the generator script."""

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

# The helpers beside this file are imported by name; pytest's importlib mode does not add
# test folders to the import path.
sys.path.insert(0, str(Path(__file__).resolve().parent))

from k8s_manifests import K8S, OVERLAYS, Rendered, render


@pytest.fixture(scope="session")
def rendered() -> dict[str, Rendered]:
    return {overlay: render(overlay) for overlay in OVERLAYS}


@pytest.fixture(scope="session")
def dev(rendered: dict[str, Rendered]) -> Rendered:
    return rendered["dev"]


@pytest.fixture(scope="session")
def prod(rendered: dict[str, Rendered]) -> Rendered:
    return rendered["prod"]


@pytest.fixture(scope="session")
def generator() -> Iterator[ModuleType]:
    """infra/k8s/generate.py, which is a script rather than an installed module."""
    spec = importlib.util.spec_from_file_location("zombilet_k8s_generate", K8S / "generate.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    yield module
    del sys.modules[spec.name]
