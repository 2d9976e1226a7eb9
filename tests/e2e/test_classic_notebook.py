"""Browser end-to-end: the quickstart's viewer in the classic notebook (nbclassic), in Chromium.

The classic notebook has no JupyterLab extension system: it loads widget code as an AMD module
from share/jupyter/nbextensions/napari-cuda/ (scripts/build-nbextension.mjs), as VS Code's Jupyter
extension does from the kernel's environment. The same server as JupyterLab (jupyter-server-proxy
loaded), at <base_url>nbclassic/notebooks/<nb>.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from test_quickstart import kernel_camera, stable_camera

from support.browser import canvas_box, wait_until
from support.lab import LabServer, run_code
from support.voila import viewer_lab, wait_matches_screenshot

STREAMING = """() => globalThis.__napariCuda.views.findIndex((v) => v.status === 'streaming' && v.frames > 0)"""


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    with viewer_lab(tmp_path_factory.mktemp("classic")) as server:
        yield server


def test_classic_notebook_loads_the_widget_and_streams(lab: LabServer, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    try:
        page.goto(f"{lab.url}nbclassic/notebooks/viewer.ipynb?token={lab.token}", wait_until="domcontentloaded")
        # Run the cells once the kernel is connected and the widgets extension listens for widget
        # comms (a widget opened before that has no view, as for a person who runs a cell early).
        page.wait_for_function(
            "() => window.Jupyter && Jupyter.notebook && Jupyter.notebook.kernel"
            " && Jupyter.notebook.kernel.is_connected()"
            " && !!Jupyter.notebook.kernel.comm_manager.targets['jupyter.widget']",
            timeout=90_000,
        )
        # The widgets extension's manager asks the kernel for its widgets (comm_info) when it starts,
        # then re-renders every output that holds a widget view. A view rendered before that re-render
        # is removed by it and not drawn again (the removal blanks the output's model id): an
        # ipywidgets race that hits any widget run in the first seconds. Replies on the shell channel
        # come in order, so once a comm_info of ours is answered, the manager's came first.
        page.evaluate(
            "() => new Promise((resolve) =>"
            " Jupyter.notebook.kernel.comm_info('jupyter.widget', () => setTimeout(resolve, 0)))"
        )
        page.evaluate("() => Jupyter.notebook.execute_all_cells()")
        try:
            page.wait_for_function(f"() => globalThis.__napariCuda && ({STREAMING})() >= 0", timeout=120_000)
        except Exception as err:
            raise AssertionError("no view streams; browser console:\n" + "\n".join(console[-40:])) from err
        view = page.evaluate(f"({STREAMING})")
        # The classic page gives its base URL on the body, not in JupyterLab's page config: the proxy
        # route under the server's base URL is found all the same.
        assert page.evaluate(f"() => globalThis.__napariCuda.views[{view}].transport") == "proxy"
        kc = lab.kernel_client("viewer.ipynb")
        try:
            wait_matches_screenshot(page, kc, tmp_path, view=view)
            # A drag in the page moves the kernel's camera...
            before = kernel_camera(kc)["center"]
            box = canvas_box(page, view)
            x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            page.mouse.move(x, y)
            page.mouse.down()
            page.mouse.move(x - 120, y - 60, steps=8)
            page.mouse.up()
            wait_until(lambda: kernel_camera(kc)["center"] != before, timeout=15)
            # The drag's throttled writes go on landing after the first; one landing after the
            # screenshot below would move the canvas away from it (a CI failure at PSNR 12.9 dB).
            stable_camera(kc)
            # ... and a camera set in the kernel reaches the canvas.
            zoom = kernel_camera(kc)["zoom"]
            run_code(kc, "viewer.camera.zoom = viewer.camera.zoom * 3")
            wait_until(
                lambda: abs(page.evaluate(f"() => globalThis.__napariCuda.views[{view}].camera.zoom") - zoom * 3) < 1e-6
            )
            wait_matches_screenshot(page, kc, tmp_path, view=view)
        finally:
            kc.stop_channels()
        errors = [c for c in console if c.startswith("error") and "napari" in c.lower()]
        assert not errors, errors
    finally:
        page.close()
