"""Python tests of the kernel bridge: they import napari_cuda from the source tree (kernel-bridge/)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from nc_support import BRIDGE

sys.path.insert(0, str(BRIDGE))
# Child processes (scripts, kernels) started by the tests import the same source tree.
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (str(BRIDGE), os.environ.get("PYTHONPATH")) if p
)

import napari_cuda  # noqa: E402
from napari_cuda._daemon_process import daemon_script  # noqa: E402


@pytest.fixture(scope="session")
def daemon_bundle() -> Path:
    """The built daemon bundle; tests that need the daemon fail (not skip) without it."""
    script = daemon_script()
    if not script.is_file():
        pytest.fail(f"{script} is missing: run `npm run build:daemon` first")
    return script


@pytest.fixture
def viewer(daemon_bundle: Path) -> Iterator[napari_cuda.Viewer]:
    """A Viewer on this process's daemon, closed afterwards."""
    v = napari_cuda.Viewer()
    try:
        yield v
    finally:
        v.close()


@pytest.fixture
def bare_viewer() -> Iterator[napari_cuda.Viewer]:
    """A Viewer used only for what needs no daemon (traits, validation)."""
    v = napari_cuda.Viewer()
    try:
        yield v
    finally:
        v.close()
