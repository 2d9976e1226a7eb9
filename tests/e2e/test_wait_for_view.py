"""Browser end-to-end: Run All of a notebook whose cells need a displayed view (wait_for_view).

Run All queues every cell before the first view exists, so the view's messages (its connection
request, its canvas, the frames it shows) arrive behind the queued cells. wait_for_view must handle
them while its cell blocks, and the later cells must still run after it, in order.
"""

from __future__ import annotations

import json
import time

import nbformat

from support.browser import open_notebook, run_all_cells, wait_frames
from support.lab import run_code

CELLS = [
    "import numpy as np\nimport napari_cuda\n"
    "viewer = napari_cuda.Viewer(height=320)\n"
    "viewer.add_image(np.arange(64 * 96, dtype=np.uint16).reshape(64, 96), colormap='viridis')\n"
    "viewer",
    "t0 = __import__('time').monotonic()\n"
    "viewer.wait_for_view(timeout=90)\n"
    "waited = {'info': dict(viewer.stream_info), 'canvas': dict(viewer.canvas), "
    "'seconds': __import__('time').monotonic() - t0}",
    "zoom_before = viewer.camera.zoom\nviewer.camera.zoom = zoom_before * 2\norder = ['after the wait']",
    "order.append('last cell')",
]


def test_run_all_waits_for_the_view(lab, browser) -> None:  # type: ignore[no-untyped-def]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for src in CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, lab.root / "wait.ipynb")
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    try:
        open_notebook(page, lab.url, lab.token, "wait.ipynb")
        run_all_cells(page)
        kc = lab.kernel_client("wait.ipynb")
        try:
            probe = "import json; print(json.dumps(globals().get('order')))"
            deadline = time.monotonic() + 150
            while json.loads(run_code(kc, probe, timeout=150)) != ["after the wait", "last cell"]:
                assert time.monotonic() < deadline, "the cells after wait_for_view did not run"
                time.sleep(0.5)
            waited = json.loads(run_code(kc, "print(json.dumps(waited))"))
            # Every cell ran once, in notebook order (none aborted, none overtaken).
            counts = page.evaluate(
                "() => window.jupyterapp.shell.currentWidget.content.widgets.map(c => c.model.executionCount)"
            )
            assert None not in counts and counts == sorted(counts), counts
            info = waited["info"]
            assert info["status"] == "streaming" and info["frames"] >= 1, (info, console[-20:])
            # The view's canvas reached the kernel inside the wait, as the browser has it.
            stats = wait_frames(page, 1, timeout=30)
            canvas = page.evaluate(
                "() => { const c = globalThis.__napariCuda.views[0].canvas; return [c.width, c.height]; }"
            )
            assert [waited["canvas"]["width"], waited["canvas"]["height"]] == canvas
            print(f"wait_for_view returned after {waited['seconds']:.2f} s; view stats {stats}")
            page.screenshot(path="/tmp/nc-viewer-api-wait.png")
        finally:
            kc.stop_channels()
    finally:
        page.close()
