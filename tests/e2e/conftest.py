"""Fixtures: one real JupyterLab (base_url /user/tester/), Debian Chromium, the quickstart run in it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from support.browser import launch
from support.lab import LabServer, copy_examples
from support.notebook_run import notebook_run


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    root = tmp_path_factory.mktemp("lab")
    copy_examples(root)
    server = LabServer(root).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    pw, b = launch()
    try:
        yield b
    finally:
        b.close()
        pw.stop()


@pytest.fixture(scope="module")
def quickstart(lab: LabServer, browser):  # type: ignore[no-untyped-def]
    """A page with the quickstart open and all its cells run; plus a client on its kernel."""
    # The last cell calls viewer.info(): once it ran, every cell has run.
    with notebook_run(lab, browser, "quickstart.ipynb", "assert 'viewer' in globals() and 'shot' in globals()") as run:
        yield run
