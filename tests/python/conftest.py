"""Python tests of the kernel bridge: they import napari_cuda from the source tree (kernel-bridge/)."""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from nc_support import BRIDGE

sys.path.insert(0, str(BRIDGE))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/: the shared `support` package

import napari_cuda
from napari_cuda._launch import daemon_script


@pytest.fixture(scope="session", autouse=True)
def private_tmp(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Daemon log directories (kept after failed runs, which tests provoke) go under pytest's tmp."""
    tmp = tmp_path_factory.mktemp("tmp")
    saved = tempfile.tempdir
    tempfile.tempdir = str(tmp)  # child processes get it as TMPDIR (nc_support.child_env)
    try:
        yield tmp
    finally:
        tempfile.tempdir = saved


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
