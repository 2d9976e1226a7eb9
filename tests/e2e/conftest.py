"""Fixtures: one real JupyterLab (base_url /user/tester/), Debian Chromium, the quickstart run in it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from support.browser import launch, open_notebook, run_all_cells, wait_frames
from support.lab import LabServer, copy_examples, run_code


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
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    open_notebook(page, lab.url, lab.token, "quickstart.ipynb")
    run_all_cells(page)
    kc = lab.kernel_client("quickstart.ipynb")
    try:
        # The last cell calls viewer.info(): once it ran, every cell has run.
        run_code(kc, "assert 'viewer' in globals() and 'shot' in globals()", timeout=120)
        try:
            wait_frames(page, 1, timeout=60)
        except Exception as err:
            raise AssertionError(
                "no decoded frame; browser console:\n" + "\n".join(console[-40:]) + "\nserver:\n" + lab.log_tail()
            ) from err
        yield page, kc, console
    finally:
        kc.stop_channels()
        page.close()
