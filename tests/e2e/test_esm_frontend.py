"""Browser end-to-end: the widget as an ES module through anywidget, as VS Code and Colab load it.

Those frontends load no prebuilt extension and fetch third-party widget code from a CDN by npm name,
where napari-cuda is not published; the model then names anywidget and carries the widget in `_esm`
(kernel-bridge/napari_cuda/_frontend.py). Neither frontend runs here, so this JupyterLab stands in
with part of what they have: napari-cuda's own labextension disabled (only anywidget's code is on the
page), no jupyter-server-proxy, NAPARI_CUDA_FRONTEND=esm and the comm transport forced. The
quickstart's assertions must hold. It is the best case: JupyterLab's widget manager gives the model
behind anywidget's proxy, and the transport's `auto` choice there is not exercised.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

# The quickstart's assertions, collected here: they run on this module's `lab`.
from test_quickstart import (  # noqa: F401
    test_canvas_shows_the_daemon_rendering,
    test_drag_and_wheel_reach_the_kernel,
    test_kernel_camera_drives_the_canvas,
)

from support.lab import LabServer, lab_without_proxy, run_code


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    """JupyterLab with napari-cuda's labextension and jupyter-server-proxy off; the ES module forced."""
    env = {"NAPARI_CUDA_FRONTEND": "esm", "NAPARI_CUDA_TRANSPORT": "comm"}
    with lab_without_proxy(tmp_path_factory, env, disabled_labextensions=("napari-cuda",)) as server:
        yield server


def test_the_page_has_only_anywidgets_code_and_the_view_uses_comm(quickstart) -> None:  # type: ignore[no-untyped-def]
    page, kc, _ = quickstart
    extensions = page.evaluate("() => JSON.parse(document.getElementById('jupyter-config-data').textContent)")
    assert "napari-cuda" in extensions.get("disabledExtensions", []), extensions.get("disabledExtensions")
    assert run_code(kc, "print(viewer._model_module, viewer.info()['frontend'])").split() == ["anywidget", "esm"]
    assert page.evaluate("() => globalThis.__napariCuda.views[0].transport") == "comm"
    # The view found the model behind anywidget's proxy: its relay messages go untracked, no kernel status.
    assert run_code(kc, "from napari_cuda import _comm_relay; print(len(_comm_relay._untracked))").strip() == "1"


def test_a_kernel_restart_is_said(quickstart, lab: LabServer) -> None:  # type: ignore[no-untyped-def]
    """The view watches the kernel through the model behind anywidget's proxy (last: it restarts the kernel)."""
    page, _, _ = quickstart
    kernel_id = next(s["kernel"]["id"] for s in lab.api("api/sessions") if s["path"] == "quickstart.ipynb")
    lab.api(f"api/kernels/{kernel_id}/restart", method="POST")
    page.wait_for_function("() => document.querySelectorAll('.napari-cuda-ended').length >= 1", timeout=10_000)
    notes = page.locator(".napari-cuda-ended-note").all_inner_texts()
    assert notes and all(n == "The kernel restarted: run the cell again to show this viewer." for n in notes), notes
