"""Browser end-to-end: a labels layer in the layer panel and the status bar, in a real JupyterLab.

An image under a labels layer (label 5 and label 123456 on background 0): the layer list tags each
row with its type; the panel shows the labels controls (selected label with its colour, contour,
show selected) instead of the image's; the status bar over a label shows "Labels [y, x]: 5" and
the label's colour; edits in the panel reach the kernel's layer and kernel changes move the panel.
Screenshots go to /tmp/labels-*.png.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from support.browser import canvas_box, wait_until
from support.lab import LabServer, run_code
from support.notebook_run import setup_cell_run

W, H = 480, 360

SETUP = f"""\
import numpy as np
import napari_cuda
img = (np.arange(64)[:, None] + np.arange(96)[None, :]).astype(np.uint8)
seg = np.zeros((64, 96), np.int32)
seg[10:30, 10:40] = 5
seg[40:60, 50:90] = 123456
viewer = napari_cuda.Viewer(width={W}, height={H})
image = viewer.add_image(img, name="image")
labels = viewer.add_labels(seg)
viewer.dims.axis_labels = ("y", "x")
viewer.camera.center = (32.0, 48.0)
viewer.camera.zoom = 4.0
viewer
"""

PANEL = ".napari-cuda-panel"


def kernel_json(kc, expr: str):  # type: ignore[no-untyped-def]
    return json.loads(run_code(kc, f"import json as _j; print(_j.dumps({expr}))"))


def kernel_wait(kc, expr: str, want, timeout: float = 10):  # type: ignore[no-untyped-def]
    try:
        return wait_until(lambda: kernel_json(kc, expr) == want, timeout=timeout, interval=0.2)
    except TimeoutError:
        raise AssertionError(f"kernel {expr} = {kernel_json(kc, expr)!r}, expected {want!r}") from None


def dom(page, expr: str):  # type: ignore[no-untyped-def]
    """Evaluate `expr` over `p` (the panel) and `s` (the status bar)."""
    return page.evaluate(
        f"""() => {{ const p = document.querySelector('{PANEL}');
                    const s = document.querySelector('.napari-cuda-statusbar'); return ({expr}); }}"""
    )


def dom_wait(page, expr: str, want, timeout: float = 10):  # type: ignore[no-untyped-def]
    try:
        return wait_until(lambda: dom(page, expr) == want, timeout=timeout)
    except TimeoutError:
        raise AssertionError(f"{expr} = {dom(page, expr)!r}, expected {want!r}") from None


def label_css(kc, value: int) -> str:
    """The kernel's colour for `value` (napari's get_color), as the widget writes it in CSS."""
    rgba = kernel_json(kc, f"labels.get_color({value})")
    return "" if rgba is None else "rgb({}, {}, {})".format(*(round(c * 255) for c in rgba[:3]))


def hover(page, y: float, x: float) -> None:  # type: ignore[no-untyped-def]
    """Move the mouse over world point (y, x) (the camera of SETUP: centre (32, 48), zoom 4)."""
    box = canvas_box(page, 0)
    page.mouse.move(box["x"] + box["width"] / 2 + (x - 48) * 4, box["y"] + box["height"] / 2 + (y - 32) * 4)


def shot(page, path: str) -> None:  # type: ignore[no-untyped-def]
    page.locator(".napari-cuda-frame").screenshot(path=path)


@pytest.fixture(scope="module")
def lv(lab: LabServer, browser) -> Iterator[tuple]:  # type: ignore[no-untyped-def]
    """(page, kernel client) with the image + labels viewer displayed."""
    with setup_cell_run(lab, browser, "labels_view.ipynb", SETUP, "assert 'labels' in globals()") as (page, kc):
        page.locator(PANEL).scroll_into_view_if_needed()
        yield page, kc


def test_panel_shows_the_labels_controls(lv) -> None:  # type: ignore[no-untyped-def]
    page, kc = lv
    rows = "[...p.querySelectorAll('.napari-cuda-layer')].map((r) => [r.title, r.dataset.kind, r.textContent])"
    dom_wait(page, rows, [["Labels", "labels", "Labelslabels"], ["image", "image", "imageimage"]])
    # The labels layer (top) is selected: its rows show, the image's colormap rows do not.
    dom_wait(page, "p.querySelector('.napari-cuda-controls').dataset.kind", "labels")
    visible = (
        "[...p.querySelectorAll('.napari-cuda-controls > label')].filter((l) => !l.hidden).map((l) => l.textContent)"
    )
    # (The mode buttons' row title is no <label>: it names a group of buttons.)
    assert dom(page, visible) == ["label:", "opacity:", "brush size:", "blending:", "contour:", "show selected:"]
    assert dom(page, "p.querySelector('.napari-cuda-selected-label').value") == "1"
    assert dom(page, "p.querySelector('.napari-cuda-opacity').value") == "0.7"
    assert dom(page, "p.querySelector('.napari-cuda-label-swatch').dataset.color") == label_css(kc, 1)
    shot(page, "/tmp/labels-panel.png")
    # Selecting the image brings its controls back.
    page.locator(f"{PANEL} .napari-cuda-layer[title='image']").click()
    dom_wait(page, "p.querySelector('.napari-cuda-controls').dataset.kind", "image")
    assert "colormap:" in dom(page, visible) and "label:" not in dom(page, visible)
    page.locator(f"{PANEL} .napari-cuda-layer[title='Labels']").click()
    dom_wait(page, "p.querySelector('.napari-cuda-controls').dataset.kind", "labels")


def test_status_bar_shows_the_label_and_its_colour(lv) -> None:  # type: ignore[no-untyped-def]
    page, kc = lv
    hover(page, 20.2, 25.3)
    dom_wait(page, "s.dataset.value", "5")
    assert dom(page, "s.textContent") == "Labels [y 20, x 25]: 5"
    assert dom(page, "s.dataset.swatch") == label_css(kc, 5)
    shot(page, "/tmp/labels-statusbar.png")
    hover(page, 50, 70)
    dom_wait(page, "s.dataset.value", "123456")
    assert dom(page, "s.dataset.swatch") == label_css(kc, 123456)
    hover(page, 35, 45)
    dom_wait(page, "s.dataset.value", "0")
    assert dom(page, "s.dataset.swatch") == "", "the background has no colour"
    assert dom(page, "getComputedStyle(s.querySelector('.napari-cuda-status-swatch')).display") == "none"


def test_panel_edits_reach_the_kernel_and_follow_it(lv) -> None:  # type: ignore[no-untyped-def]
    page, kc = lv
    field = page.locator(f"{PANEL} .napari-cuda-selected-label")
    field.fill("5")
    kernel_wait(kc, "labels.selected_label", 5)
    assert dom(page, "p.querySelector('.napari-cuda-label-swatch').dataset.color") == label_css(kc, 5)
    page.locator(f"{PANEL} .napari-cuda-int-inc").click()
    kernel_wait(kc, "labels.selected_label", 6)
    field.focus()
    page.keyboard.press("ArrowDown")
    kernel_wait(kc, "labels.selected_label", 5)
    page.locator(f"{PANEL} .napari-cuda-contour").fill("2")
    kernel_wait(kc, "labels.contour", 2)
    page.locator(f"{PANEL} .napari-cuda-show-selected").check()
    kernel_wait(kc, "labels.show_selected_label", True)
    page.locator(f"{PANEL} .napari-cuda-opacity").fill("0.9")
    kernel_wait(kc, "labels.opacity", 0.9)
    hover(page, 20.2, 25.3)
    page.wait_for_timeout(800)
    shot(page, "/tmp/labels-edited.png")
    # The kernel moves the controls.
    run_code(kc, "labels.selected_label = 3; labels.contour = 0; labels.show_selected_label = False")
    dom_wait(page, "p.querySelector('.napari-cuda-selected-label').value", "3")
    dom_wait(page, "p.querySelector('.napari-cuda-contour').value", "0")
    dom_wait(page, "p.querySelector('.napari-cuda-show-selected').checked", False)
    assert dom(page, "p.querySelector('.napari-cuda-label-swatch').dataset.color") == label_css(kc, 3)
    # Background 0: an empty swatch.
    field.fill("0")
    kernel_wait(kc, "labels.selected_label", 0)
    assert dom(page, "p.querySelector('.napari-cuda-label-swatch').dataset.empty") == "true"
    shot(page, "/tmp/labels-background.png")
