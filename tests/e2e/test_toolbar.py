"""Browser end-to-end: the viewer's buttons, shortcuts, play buttons and first-five-minutes texts in a
real JupyterLab + Chromium (2D/3D, reset view, screenshot download, dims keys, no diagnostic wall on this
CPU-only machine, and what the widget says after a kernel restart)."""

from __future__ import annotations

import json
import os
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import imageio.v3 as iio
import nbformat
import numpy as np
import pytest

from support.browser import (
    canvas_box,
    canvas_rgba,
    open_notebook,
    psnr,
    run_all_cells,
    run_cell_code,
    settle,
    wait_frames,
    wait_until,
)
from support.browser import (
    frames_shown as frames,
)
from support.lab import LabServer, run_code

NOTEBOOK = "toolbar.ipynb"
SHOTS = Path(os.environ.get("NAPARI_CUDA_SHOTS", "/tmp"))

SETUP = """
import numpy as np
import napari_cuda

# A (z, y, x) volume whose slices differ: a bright disc that moves with z over a ramp.
z, y, x = np.mgrid[0:12, 0:96, 0:128]
vol = (40 + x + 400 * (((y - 48) ** 2 + (x - 10 - 9 * z) ** 2) < 200)).astype(np.uint16)
viewer = napari_cuda.Viewer(height=320)
layer = viewer.add_image(vol, colormap="magma", contrast_limits=(0, 600), name="vol")
viewer
"""

#: Words of diagnostics that must never show in the widget on a normal CPU-only machine.
DIAGNOSTIC_WORDS = (
    "unavailable",
    "failed",
    "error",
    "trial encode",
    "libx264",
    "nvenc",
    "egl",
    "cuda",
    "frames/s",
    "0 fps",
)


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    page.locator(".napari-cuda-viewer").first.screenshot(path=str(SHOTS / f"toolbar-{name}.png"))


def kernel_json(kc, expr: str):  # type: ignore[no-untyped-def]
    return json.loads(run_code(kc, f"import json; print(json.dumps({expr}))"))


def widget_text(page) -> str:  # type: ignore[no-untyped-def]
    """Everything the widget's DOM says: visible text plus tooltips and aria labels."""
    return page.evaluate(
        """() => { const root = document.querySelector('.napari-cuda-viewer');
                   const attrs = [...root.querySelectorAll('[title],[aria-label]')]
                     .map((e) => (e.getAttribute('title') || '') + ' ' + (e.getAttribute('aria-label') || ''));
                   return root.innerText + '\\n' + attrs.join('\\n'); }"""
    )


def focus_viewer(page) -> None:  # type: ignore[no-untyped-def]
    """Click the canvas (the viewer takes the focus, as a user's click gives it)."""
    box = canvas_box(page)
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    inside = page.evaluate("() => document.querySelector('.napari-cuda-viewer').contains(document.activeElement)")
    assert inside, page.evaluate("() => document.activeElement.outerHTML.slice(0, 200)")


@pytest.fixture(scope="module")
def tb(lab: LabServer, browser) -> Iterator[tuple]:  # type: ignore[no-untyped-def]
    """(page, kernel client, console lines) with a viewer of a (z, y, x) volume displayed."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(SETUP)]
    nbformat.write(nb, lab.root / NOTEBOOK)
    page = browser.new_page(viewport={"width": 1100, "height": 900}, accept_downloads=True)
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    open_notebook(page, lab.url, lab.token, NOTEBOOK)
    run_all_cells(page)
    kc = lab.kernel_client(NOTEBOOK)
    try:
        run_code(kc, "assert 'viewer' in globals()", timeout=120)
        try:
            wait_frames(page, 1, timeout=60)
        except Exception as err:
            raise AssertionError("no frame; console:\n" + "\n".join(console[-40:]) + "\n" + lab.log_tail()) from err
        yield page, kc, console
    finally:
        kc.stop_channels()
        page.close()


def test_no_diagnostics_by_default_and_the_debug_overlay_on_demand(tb) -> None:  # type: ignore[no-untyped-def]
    page, kc, _ = tb
    settle(page)
    backend = wait_until(lambda: kernel_json(kc, "viewer.info()['stream_info'].get('backend')"), timeout=10)
    assert backend == "cpu", "this test expects a CPU-only machine"
    shot(page, "default")
    text = widget_text(page).lower()
    for word in DIAGNOSTIC_WORDS:
        assert word not in text, f"{word!r} in the widget's DOM:\n{text}"
    assert page.locator(".napari-cuda-backend").inner_text() == "CPU"
    assert page.locator(".napari-cuda-debug").is_hidden()
    # The toolbar's toggle shows it in this view; at rest there is no frame rate.
    page.locator(".napari-cuda-debug-toggle").click()
    debug = page.locator(".napari-cuda-debug")
    assert debug.is_visible()
    wait_until(lambda: "CPU renderer" in debug.inner_text(), timeout=5)
    # At rest (no frame in the last second) no rate is shown, never "0 frames/s".
    wait_until(lambda: "frames/s" not in debug.inner_text(), timeout=5)
    assert "0 fps" not in debug.inner_text()
    assert "renderer: " in debug.inner_text(), "the why lines live in the overlay"
    shot(page, "debug-local")
    page.locator(".napari-cuda-debug-toggle").click()
    assert debug.is_hidden()
    # The synced trait shows it in every view.
    run_code(kc, "viewer.debug_overlay = True")
    wait_until(debug.is_visible, timeout=5)
    assert page.locator(".napari-cuda-debug-toggle").get_attribute("aria-pressed") == "true"
    run_code(kc, "viewer.debug_overlay = False")
    wait_until(debug.is_hidden, timeout=5)


def test_2d_3d_toggle_reaches_the_kernel_and_the_canvas(tb) -> None:  # type: ignore[no-untyped-def]
    page, kc, _ = tb
    settle(page)
    before = canvas_rgba(page)
    button = page.locator(".napari-cuda-ndisplay")
    assert button.inner_text().strip() == "2D"
    button.click()
    wait_until(lambda: kernel_json(kc, "viewer.dims.ndisplay") == 3, timeout=10)
    assert button.inner_text().strip() == "3D"
    n = frames(page)
    wait_until(lambda: frames(page) > n, timeout=10)
    settle(page)
    shot(page, "3d")
    assert psnr(before, canvas_rgba(page)) < 25, "the canvas did not change for 3D"
    assert page.locator(".napari-cuda-dims-slider").count() == 0, "z is displayed in 3D: no slider"
    button.click()
    wait_until(lambda: kernel_json(kc, "viewer.dims.ndisplay") == 2, timeout=10)


def test_reset_view_button(tb) -> None:  # type: ignore[no-untyped-def]
    page, kc, _ = tb
    run_code(kc, "viewer.camera.zoom = 9.0; viewer.camera.center = (5.0, 5.0)")
    wait_until(lambda: page.evaluate("() => globalThis.__napariCuda.views[0].camera.zoom") == 9.0, timeout=10)
    page.locator(".napari-cuda-reset").click()
    cam = wait_until(lambda: (c := kernel_json(kc, "viewer.camera._wire()"))["zoom"] < 9.0 and c, timeout=10)
    assert abs(cam["center"][-2] - 47.5) < 1e-6 and abs(cam["center"][-1] - 63.5) < 1e-6, cam
    local = page.evaluate("() => globalThis.__napariCuda.views[0].camera")
    assert abs(local["zoom"] - cam["zoom"]) < 1e-6 * cam["zoom"], (local, cam)


def test_shortcuts_step_dims_and_toggle_visibility(tb) -> None:  # type: ignore[no-untyped-def]
    page, kc, _ = tb
    run_code(kc, "viewer.dims.current_step = (3, 0, 0)")
    wait_until(lambda: page.evaluate("() => globalThis.__napariCuda.views[0].dims.current_step[0]") == 3, timeout=10)
    focus_viewer(page)
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    wait_until(lambda: kernel_json(kc, "list(viewer.dims.current_step)")[0] == 5, timeout=10)
    page.keyboard.press("ArrowLeft")
    wait_until(lambda: kernel_json(kc, "list(viewer.dims.current_step)")[0] == 4, timeout=10)
    assert page.locator(".napari-cuda-dims-value").inner_text() == "4 / 11", "napari counts index / highest index"
    page.keyboard.press("v")
    wait_until(lambda: kernel_json(kc, "layer.visible") is False, timeout=10)
    page.keyboard.press("v")
    wait_until(lambda: kernel_json(kc, "layer.visible") is True, timeout=10)
    page.keyboard.press("Control+y")
    wait_until(lambda: kernel_json(kc, "viewer.dims.ndisplay") == 3, timeout=10)
    page.keyboard.press("Control+y")
    wait_until(lambda: kernel_json(kc, "viewer.dims.ndisplay") == 2, timeout=10)
    run_code(kc, "viewer.camera.zoom = 9.0")
    wait_until(lambda: page.evaluate("() => globalThis.__napariCuda.views[0].camera.zoom") == 9.0, timeout=10)
    url = page.url
    page.keyboard.press("Control+r")
    wait_until(lambda: kernel_json(kc, "viewer.camera.zoom") < 9.0, timeout=10)
    assert page.url == url and page.evaluate("() => globalThis.__napariCuda.views.length") == 1, "page reloaded"


def test_play_button_animates_the_slider(tb) -> None:  # type: ignore[no-untyped-def]
    page, kc, _ = tb
    play = page.locator(".napari-cuda-dims-play").first
    seen: set[int] = set()
    play.click()
    assert play.get_attribute("aria-pressed") == "true"
    wait_until(lambda: seen.add(kernel_json(kc, "viewer.dims.current_step[0]")) or len(seen) >= 4, timeout=15)
    shot(page, "playing")
    play.click()
    assert play.get_attribute("aria-pressed") == "false"
    settle(page)
    stopped = kernel_json(kc, "viewer.dims.current_step[0]")
    time.sleep(0.5)
    assert kernel_json(kc, "viewer.dims.current_step[0]") == stopped, "still playing after stop"


def test_screenshot_button_downloads_the_viewer_screenshot(tb, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page, kc, _ = tb
    settle(page)
    with page.expect_download(timeout=30_000) as dl:
        page.locator(".napari-cuda-screenshot").click()
    download = dl.value
    assert download.suggested_filename.startswith("napari-cuda-") and download.suggested_filename.endswith(".png")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    png = iio.imread(path)
    ref = tmp_path / "ref.npy"
    run_code(kc, f"import numpy as _np; _np.save({str(ref)!r}, viewer.screenshot())")
    expected = np.load(ref)
    assert png.shape == expected.shape, (png.shape, expected.shape)
    assert np.array_equal(png, expected), f"PNG differs from viewer.screenshot(): PSNR {psnr(png, expected):.1f} dB"
    assert png[..., :3].std() > 5, "blank screenshot"


def test_keys_button_lists_the_shortcuts(tb) -> None:  # type: ignore[no-untyped-def]
    page, _, _ = tb
    button = page.locator(".napari-cuda-help")
    assert "Ctrl+R" in (button.get_attribute("title") or "")
    button.click()
    listing = page.locator(".napari-cuda-shortcuts")
    assert listing.is_visible() and "Ctrl+Y" in listing.inner_text()
    shot(page, "keys")
    button.click()
    assert listing.is_hidden()


def test_daemon_loss_is_said_and_the_view_recovers(tb) -> None:  # type: ignore[no-untyped-def]
    page, kc, _ = tb
    settle(page)
    hud = page.locator(".napari-cuda-hud").first
    canvas = page.locator(".napari-cuda-canvas").first
    run_code(kc, "import os, signal; from napari_cuda._daemon_process import current_daemon as _cd")
    run_code(kc, "os.kill(_cd().pid, signal.SIGKILL)")
    t0 = time.monotonic()
    wait_until(lambda: "render process" in hud.inner_text(), timeout=2)
    print(f"daemon loss said after {time.monotonic() - t0:.2f} s: {hud.inner_text()!r}")
    assert "brightness" in (canvas.evaluate("(c) => c.style.filter") or ""), "the stale frame is dimmed"
    shot(page, "daemon-lost")
    # The view asks the kernel again; the kernel starts a new daemon and hands it over.
    n = frames(page)
    wait_until(lambda: frames(page) > n, timeout=30)
    wait_until(hud.is_hidden, timeout=5)
    assert canvas.evaluate("(c) => c.style.filter") == ""


def test_an_empty_viewer_shows_a_hint(tb) -> None:  # type: ignore[no-untyped-def]
    page, kc, _ = tb
    run_cell_code(page, "empty = napari_cuda.Viewer(height=200)\nempty")
    view = page.locator(".napari-cuda-viewer").nth(1)
    hint = view.locator(".napari-cuda-empty-hint")
    hint.wait_for(state="visible", timeout=30_000)
    assert hint.inner_text() == "Add a layer with viewer.add_image(...)"
    wait_frames(page, 1, view=1, timeout=30)
    view.locator(".napari-cuda-hud").wait_for(state="hidden", timeout=10_000)
    view.screenshot(path=str(SHOTS / "toolbar-empty.png"))
    run_code(kc, "empty.add_image(vol[0])")
    hint.wait_for(state="hidden", timeout=10_000)


def test_kernel_restart_is_said_within_2_s(tb, lab: LabServer) -> None:  # type: ignore[no-untyped-def]
    page, kc, _ = tb
    settle(page)
    kernel_id = next(s["kernel"]["id"] for s in lab.api("api/sessions") if s["path"] == NOTEBOOK)
    req = urllib.request.Request(
        f"{lab.url}api/kernels/{kernel_id}/restart", method="POST", headers={"Authorization": f"token {lab.token}"}
    )
    t0 = time.monotonic()
    restart = threading.Thread(target=lambda: urllib.request.urlopen(req, timeout=60).read(), daemon=True)
    restart.start()
    page.wait_for_function("() => document.querySelectorAll('.napari-cuda-ended').length === 2", timeout=2000)
    said = time.monotonic() - t0
    for note in page.locator(".napari-cuda-ended-note").all_inner_texts():
        assert note == "The kernel restarted: run the cell again to show this viewer.", note
    print(f"kernel restart said after {said:.2f} s")
    assert page.locator(".napari-cuda-hud").count() == 0, "the live views are gone"
    shot(page, "kernel-restarted")
    restart.join(60)
