"""Browser end-to-end: the layer panel's points controls and the status bar over points (issue 14
point 4), in a real JupyterLab.

Three points over an image, point 1 selected from code. The panel shows napari's points rows with
the layer's current values; changing the face colour, the symbol and the size in the panel sets the
layer's current_* in the kernel and restyles point 1 only (napari's rule). Moving the mouse over
point 2 shows `Points [...]: 2` in the status bar, over nothing no value. Screenshots:
/tmp/points-panel*.png.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from support.browser import canvas_box, wait_frames, wait_until
from support.lab import LabServer, run_code
from support.notebook_run import setup_cell_run

W, H = 480, 360
ZOOM = 4.0
CENTER = (32.0, 48.0)
PANEL = ".napari-cuda-panel"

SETUP = f"""\
import numpy as np
import napari_cuda
img = (np.arange(64)[:, None] + np.arange(96)[None, :]).astype(np.uint8)
viewer = napari_cuda.Viewer(width={W}, height={H})
image = viewer.add_image(img, name="image")
points = viewer.add_points([[20, 30], [40, 60], [10, 80]], size=6, face_color="yellow", name="Points")
points.selected_data = {{1}}
viewer.camera.center = {CENTER}
viewer.camera.zoom = {ZOOM}
viewer
"""


def kernel_json(kc, expr: str):  # type: ignore[no-untyped-def]
    return json.loads(run_code(kc, f"import json as _j; print(_j.dumps({expr}))"))


def kernel_wait(kc, expr: str, want, timeout: float = 15):  # type: ignore[no-untyped-def]
    seen: list = []

    def check() -> bool:
        seen[:] = [kernel_json(kc, expr)]
        return seen[0] == want

    try:
        wait_until(check, timeout=timeout, interval=0.2)
    except TimeoutError:
        raise AssertionError(f"kernel {expr} = {seen[0] if seen else None!r}, expected {want!r}") from None


def bar_value(page) -> str:  # type: ignore[no-untyped-def]
    return page.evaluate("() => document.querySelector('.napari-cuda-statusbar').dataset.value")


def screen(page, y: float, x: float) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    box = canvas_box(page, 0)
    return box["x"] + box["width"] / 2 + (x - CENTER[1]) * ZOOM, box["y"] + box["height"] / 2 + (y - CENTER[0]) * ZOOM


@pytest.fixture(scope="module")
def pv(lab: LabServer, browser) -> Iterator[tuple]:  # type: ignore[no-untyped-def]
    with setup_cell_run(lab, browser, "points_panel.ipynb", SETUP, "assert 'points' in globals()") as (page, kc):
        page.locator(".napari-cuda-frame").scroll_into_view_if_needed()
        yield page, kc


def test_panel_style_controls_set_current_and_selected(pv) -> None:  # type: ignore[no-untyped-def]
    page, kc = pv
    face = page.locator(f"{PANEL} input.napari-cuda-face-color")
    wait_until(lambda: face.is_visible(), timeout=10)
    # The controls show the layer's current values.
    assert face.get_attribute("data-color") == "#ffff00ff"
    assert page.locator(f"{PANEL} select.napari-cuda-symbol").input_value() == "disc"
    assert page.locator(f"{PANEL} input.napari-cuda-point-size").input_value() == "6"
    assert page.locator(f"{PANEL} input.napari-cuda-border-color").get_attribute("data-color") == "#696969ff"
    page.locator(PANEL).screenshot(path="/tmp/points-panel.png")

    face.fill("#00ff00")
    kernel_wait(kc, "points.current_face_color", "#00ff00ff")
    kernel_wait(kc, "points.face_color.tolist()", [[1, 1, 0, 1], [0, 1, 0, 1], [1, 1, 0, 1]])

    page.locator(f"{PANEL} select.napari-cuda-symbol").select_option("star")
    kernel_wait(kc, "points.current_symbol", "star")
    kernel_wait(kc, "list(points.symbol)", ["disc", "star", "disc"])

    size = page.locator(f"{PANEL} input.napari-cuda-point-size")
    size.focus()
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    kernel_wait(kc, "points.current_size", 10.0)
    kernel_wait(kc, "points.size.tolist()", [6.0, 10.0, 6.0])
    # The kernel's state comes back: the panel shows the new current values.
    wait_until(lambda: face.get_attribute("data-color") == "#00ff00ff", timeout=10)
    wait_frames(page, 2, timeout=30)
    page.locator(".napari-cuda-frame").screenshot(path="/tmp/points-panel-after.png")


def test_statusbar_shows_the_point_under_the_cursor(pv) -> None:  # type: ignore[no-untyped-def]
    page, kc = pv
    page.mouse.move(*screen(page, 10.5, 80.8))
    try:
        wait_until(lambda: bar_value(page) == "2", timeout=10)
    except TimeoutError:
        raise AssertionError(f"status bar: {page.locator('.napari-cuda-statusbar').text_content()!r}") from None
    text = page.locator(".napari-cuda-statusbar").text_content() or ""
    assert text.startswith("Points") and text.rstrip().endswith(": 2"), text
    page.locator(".napari-cuda-frame").screenshot(path="/tmp/points-panel-status.png")
    page.mouse.move(*screen(page, 50.0, 20.0))
    wait_until(lambda: bar_value(page) == "", timeout=10)
    assert page.evaluate("() => document.querySelector('.napari-cuda-statusbar').dataset.coords") != ""
