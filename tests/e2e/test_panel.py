"""Browser end-to-end: the layer panel (napari's layer list and layer controls) in a real JupyterLab.

One viewer with two opaque (6, 64, 96) uint8 volumes: "bottom" (all 255, colormap red) under "top"
(250 with a 50 corner, colormap green), so the canvas centre is green while "top" is drawn last and
red when "bottom" is. Every control must change the layer in the kernel, follow the kernel, and work
from the keyboard. Screenshots go to /tmp/panel-*.png.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from support.browser import canvas_rgba, wait_until
from support.lab import LabServer, run_code
from support.notebook_run import setup_cell_run

SETUP = """\
import numpy as np
import napari_cuda
vol_b = np.full((6, 64, 96), 255, np.uint8)
vol_t = np.full((6, 64, 96), 250, np.uint8)
vol_t[:, :8, :8] = 50
viewer = napari_cuda.Viewer(width=480, height=360)
bottom = viewer.add_image(vol_b, name="bottom", colormap="red", contrast_limits=(0, 255))
top = viewer.add_image(vol_t, name="top", colormap="green", contrast_limits=(0, 255))
viewer
"""

PANEL = ".napari-cuda-panel"


def kernel_json(kc, expr: str):  # type: ignore[no-untyped-def]
    return json.loads(run_code(kc, f"import json as _j; print(_j.dumps({expr}))"))


def kernel_wait(kc, expr: str, want, timeout: float = 10):  # type: ignore[no-untyped-def]
    """Wait until the kernel's `expr` equals `want` (writes from the view are throttled)."""
    try:
        return wait_until(lambda: kernel_json(kc, expr) == want, timeout=timeout, interval=0.2)
    except TimeoutError:
        raise AssertionError(f"kernel {expr} = {kernel_json(kc, expr)!r}, expected {want!r}") from None


def dom(page, expr: str):  # type: ignore[no-untyped-def]
    """Evaluate `expr` over `p`, the panel element."""
    return page.evaluate(f"() => {{ const p = document.querySelector('{PANEL}'); return ({expr}); }}")


def dom_wait(page, expr: str, want, timeout: float = 10):  # type: ignore[no-untyped-def]
    try:
        return wait_until(lambda: dom(page, expr) == want, timeout=timeout)
    except TimeoutError:
        raise AssertionError(f"panel {expr} = {dom(page, expr)!r}, expected {want!r}") from None


def value_of(page, cls: str) -> str:  # type: ignore[no-untyped-def]
    return str(dom(page, f"p.querySelector('.{cls}').value"))


def centre(page) -> tuple[int, int, int]:  # type: ignore[no-untyped-def]
    px = canvas_rgba(page)
    h, w = px.shape[:2]
    r, g, b = (int(c) for c in px[h // 2, w // 2, :3])
    return r, g, b


def wait_colour(page, which: str, timeout: float = 15) -> None:  # type: ignore[no-untyped-def]
    """Wait until the canvas centre is clearly red or green."""
    test = {"red": lambda c: c[0] > 150 and c[1] < 80, "green": lambda c: c[1] > 150 and c[0] < 80}[which]
    try:
        wait_until(lambda: test(centre(page)), timeout=timeout, interval=0.2)
    except TimeoutError:
        raise AssertionError(f"canvas centre {centre(page)} is not {which}") from None


def row(page, name: str):  # type: ignore[no-untyped-def]
    return page.locator(f"{PANEL} .napari-cuda-layer[title='{name}']")


@pytest.fixture(scope="module")
def panel(lab: LabServer, browser) -> Iterator[tuple]:  # type: ignore[no-untyped-def]
    """A page with the two-layer viewer displayed: (page, kernel client)."""
    with setup_cell_run(lab, browser, "panel.ipynb", SETUP, "assert 'viewer' in globals()") as (page, kc):
        page.locator(PANEL).scroll_into_view_if_needed()
        yield page, kc


def test_list_shows_top_layer_first_beside_the_canvas(panel) -> None:  # type: ignore[no-untyped-def]
    page, kc = panel
    dom_wait(page, "[...p.querySelectorAll('.napari-cuda-layer')].map((r) => r.title)", ["top", "bottom"])
    assert dom(page, "p.dataset.collapsed") == "false"
    # The top layer is selected by default; its controls show its values.
    assert dom(page, "p.querySelector('[aria-selected=\"true\"]').title") == "top"
    assert dom(page, "p.querySelector('.napari-cuda-cmap-name').textContent") == "green"
    # Beside the canvas, never over it.
    boxes = page.evaluate(
        """() => { const p = document.querySelector('.napari-cuda-panel').getBoundingClientRect();
                   const c = globalThis.__napariCuda.views[0].canvas.getBoundingClientRect();
                   return [p.left, p.right, p.width, c.left]; }"""
    )
    assert boxes[1] <= boxes[3], boxes
    assert 200 <= boxes[2] <= 270, boxes
    wait_colour(page, "green")
    page.locator(".napari-cuda-frame").screenshot(path="/tmp/panel-main.png")


def test_each_control_changes_the_layer_in_the_kernel(panel) -> None:  # type: ignore[no-untyped-def]
    page, kc = panel
    p = PANEL
    page.locator(f"{p} .napari-cuda-opacity").fill("0.6")
    kernel_wait(kc, "top.opacity", 0.6)
    page.locator(f"{p} .napari-cuda-gamma").fill("0.5")
    kernel_wait(kc, "top.gamma", 0.5)
    page.locator(f"{p} .napari-cuda-blending").select_option("additive")
    kernel_wait(kc, "top.blending", "additive")
    page.locator(f"{p} .napari-cuda-interpolation").select_option("linear")
    kernel_wait(kc, "top.interpolation", "linear")
    page.locator(f"{p} .napari-cuda-range-low").fill("20")
    kernel_wait(kc, "list(top.contrast_limits)", [20, 255])
    page.locator(f"{p} .napari-cuda-range-high").fill("200")
    kernel_wait(kc, "list(top.contrast_limits)", [20, 200])
    assert dom(page, "p.querySelector('.napari-cuda-readouts').textContent") == "20200"
    # The colormap dropdown: swatches when the colormap tables are there, a pick by mouse.
    page.locator(f"{p} .napari-cuda-colormap").click()
    page.wait_for_selector(f"{p} .napari-cuda-cmap-list:not([hidden])")
    page.locator(".napari-cuda-frame").screenshot(path="/tmp/panel-colormaps.png")
    page.locator(f"{p} .napari-cuda-cmap-option[data-name='magma']").click()
    kernel_wait(kc, "top.colormap", "magma")
    assert dom(page, "p.querySelector('.napari-cuda-cmap-list').hidden") is True
    # The bottom layer's controls after selecting its row.
    row(page, "bottom").click()
    dom_wait(page, "p.dataset.selectedLayer === p.querySelector('.napari-cuda-layer[title=bottom]').dataset.id", True)
    dom_wait(page, "p.querySelector('.napari-cuda-cmap-name').textContent", "red")
    page.locator(f"{p} .napari-cuda-opacity").fill("0.3")
    kernel_wait(kc, "[bottom.opacity, top.opacity]", [0.3, 0.6])
    run_code(
        kc,
        "for _l in (top, bottom): _l.opacity = 1.0; _l.gamma = 1.0; _l.blending = 'translucent'; "
        "_l.contrast_limits = (0, 255)\ntop.colormap = 'green'",
    )
    row(page, "top").click()


def test_kernel_changes_move_the_controls(panel) -> None:  # type: ignore[no-untyped-def]
    page, kc = panel
    row(page, "top").click()
    run_code(
        kc,
        "top.opacity = 0.25; top.gamma = 1.5; top.colormap = 'viridis'; top.contrast_limits = (10, 100); "
        "top.blending = 'additive'; top.interpolation = 'nearest'",
    )
    # Each assignment is its own trait message: wait for the last one, then every control is set.
    dom_wait(page, "p.querySelector('.napari-cuda-interpolation').value", "nearest")
    assert value_of(page, "napari-cuda-opacity") == "0.25"
    assert value_of(page, "napari-cuda-gamma") == "1.5"
    assert value_of(page, "napari-cuda-blending") == "additive"
    assert value_of(page, "napari-cuda-interpolation") == "nearest"
    assert [value_of(page, "napari-cuda-range-low"), value_of(page, "napari-cuda-range-high")] == ["10", "100"]
    assert dom(page, "p.querySelector('.napari-cuda-cmap-name').textContent") == "viridis"
    # A custom colormap (a colour: a ramp from black, sent as a LUT) shows with its own swatch.
    run_code(kc, "top.colormap = 'orange'")
    dom_wait(page, "p.querySelector('.napari-cuda-cmap-name').textContent", "orange")
    swatch = dom(page, "p.querySelector('.napari-cuda-colormap .napari-cuda-swatch').style.backgroundImage")
    assert swatch.startswith("linear-gradient") and swatch.endswith("rgb(255, 165, 0) 100%)"), swatch
    page.locator(f"{PANEL} .napari-cuda-colormap").click()
    first = f"{PANEL} .napari-cuda-cmap-option >> nth=0"
    assert page.locator(first).get_attribute("data-name") == "orange"
    assert page.locator(first).get_attribute("aria-selected") == "true"
    page.keyboard.press("Escape")
    dom_wait(page, "p.querySelector('.napari-cuda-cmap-list').hidden", True)
    # The opacity slider disables itself for opaque blending (napari: opaque ignores opacity).
    run_code(kc, "top.blending = 'opaque'")
    dom_wait(page, "p.querySelector('.napari-cuda-opacity').disabled", True)
    run_code(kc, "top.opacity = 1.0; top.gamma = 1.0; top.colormap = 'green'; top.contrast_limits = (0, 255)")
    run_code(kc, "top.blending = 'translucent'")
    dom_wait(page, "p.querySelector('.napari-cuda-opacity').disabled", False)


def test_a_dragged_slider_is_not_moved_by_the_kernel(panel) -> None:  # type: ignore[no-untyped-def]
    page, kc = panel
    row(page, "top").click()
    run_code(kc, "top.opacity = 0.5; top.gamma = 1.0")
    dom_wait(page, "p.querySelector('.napari-cuda-opacity').value", "0.5")
    box = page.locator(f"{PANEL} .napari-cuda-opacity").bounding_box()
    assert box is not None
    # Press on the thumb (at 0.5: the middle; the thumb's centre travels 7 px in from each end).
    page.mouse.move(box["x"] + 7 + 0.5 * (box["width"] - 14), box["y"] + box["height"] / 2)
    page.mouse.down()
    held = value_of(page, "napari-cuda-opacity")
    run_code(kc, "top.opacity = 0.9; top.gamma = 0.7")
    # The same kernel update moved gamma, but not the slider under the pointer.
    dom_wait(page, "p.querySelector('.napari-cuda-gamma').value", "0.7")
    assert value_of(page, "napari-cuda-opacity") == held
    page.mouse.up()
    dom_wait(page, "p.querySelector('.napari-cuda-opacity').value", "0.9")
    run_code(kc, "top.opacity = 1.0; top.gamma = 1.0")


def test_keyboard_reaches_and_operates_the_controls(panel) -> None:  # type: ignore[no-untyped-def]
    page, kc = panel
    row(page, "top").click()
    run_code(kc, "top.contrast_limits = (0, 255)")
    dom_wait(page, "p.querySelector('.napari-cuda-range-high').value", "255")
    # Tab from the collapse button walks every control of the panel.
    page.locator(f"{PANEL} .napari-cuda-panel-toggle").focus()
    seen = []
    for _ in range(16):
        page.keyboard.press("Tab")
        cls = page.evaluate(
            "() => { const a = document.activeElement;"
            " return a && a.closest('.napari-cuda-panel') ? a.className : null; }"
        )
        if cls is None:
            break
        seen.append(cls)
    want = [
        "napari-cuda-layer",
        "napari-cuda-layer-visible",
        "napari-cuda-opacity",
        "napari-cuda-blending",
        "napari-cuda-range-low",
        "napari-cuda-range-high",
        "napari-cuda-gamma",
        "napari-cuda-colormap",
        "napari-cuda-interpolation",
    ]
    for w in want:
        assert any(w in c.split() for c in seen), f"{w} not reached by Tab: {seen}"
    # Both contrast-limit thumbs move with arrow keys.
    page.locator(f"{PANEL} .napari-cuda-range-high").focus()
    for _ in range(5):
        page.keyboard.press("ArrowLeft")
    page.locator(f"{PANEL} .napari-cuda-range-low").focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    kernel_wait(kc, "list(top.contrast_limits)", [2, 250])
    page.locator(PANEL).screenshot(path="/tmp/panel-focus.png")
    # The colormap list from the keyboard: open, last entry, pick.
    page.locator(f"{PANEL} .napari-cuda-colormap").focus()
    page.keyboard.press("Enter")
    page.wait_for_selector(f"{PANEL} .napari-cuda-cmap-list:not([hidden])")
    last = dom(page, "[...p.querySelectorAll('.napari-cuda-cmap-option')].pop().dataset.name")
    page.keyboard.press("End")
    page.keyboard.press("Enter")
    kernel_wait(kc, "top.colormap", last)
    assert page.evaluate("() => document.activeElement.classList.contains('napari-cuda-colormap')")
    run_code(kc, "top.colormap = 'green'; top.contrast_limits = (0, 255)")


def test_visibility_toggle(panel) -> None:  # type: ignore[no-untyped-def]
    page, kc = panel
    wait_colour(page, "green")
    row(page, "top").locator(".napari-cuda-layer-visible").uncheck()
    kernel_wait(kc, "top.visible", False)
    wait_colour(page, "red")
    assert dom(page, "p.querySelector('.napari-cuda-layer[title=top]').dataset.visible") == "false"
    run_code(kc, "top.visible = True")
    dom_wait(page, "p.querySelector('.napari-cuda-layer[title=top] input').checked", True)
    wait_colour(page, "green")


def test_drag_and_keys_reorder_the_layers(panel) -> None:  # type: ignore[no-untyped-def]
    page, kc = panel
    names = "[...p.querySelectorAll('.napari-cuda-layer')].map((r) => r.title)"
    wait_colour(page, "green")
    # A reorder from the kernel reorders the list (first: see the note on echoes in the report).
    run_code(kc, "viewer.layers.move(1, 0)")
    dom_wait(page, names, ["bottom", "top"])
    wait_colour(page, "red")
    run_code(kc, "viewer.layers.move(1, 0)")
    dom_wait(page, names, ["top", "bottom"])
    wait_colour(page, "green")
    # Drag "bottom" above "top": it is drawn last, in the kernel and on the canvas.
    row(page, "bottom").drag_to(row(page, "top"), target_position={"x": 30, "y": 2})
    kernel_wait(kc, "[l.name for l in viewer.layers]", ["top", "bottom"])
    wait_colour(page, "red")
    dom_wait(page, names, ["bottom", "top"])
    page.locator(".napari-cuda-frame").screenshot(path="/tmp/panel-reordered.png")
    # Alt+ArrowDown on the focused row moves it back down.
    row(page, "bottom").click()
    page.keyboard.press("Alt+ArrowDown")
    kernel_wait(kc, "[l.name for l in viewer.layers]", ["bottom", "top"])
    wait_colour(page, "green")
    assert page.evaluate("() => document.activeElement.title") == "bottom", "the moved row lost the focus"
    dom_wait(page, names, ["top", "bottom"])


def test_3d_controls(panel) -> None:  # type: ignore[no-untyped-def]
    page, kc = panel
    row(page, "top").click()
    assert dom(page, "p.querySelector('.napari-cuda-rendering').hidden") is True
    run_code(kc, "viewer.dims.ndisplay = 3")
    dom_wait(page, "p.querySelector('.napari-cuda-rendering').hidden", False)
    page.locator(f"{PANEL} .napari-cuda-rendering").select_option("iso")
    kernel_wait(kc, "top.rendering", "iso")
    dom_wait(page, "p.querySelector('.napari-cuda-iso-threshold').hidden", False)
    assert dom(page, "p.querySelector('.napari-cuda-attenuation').hidden") is True
    page.locator(f"{PANEL} .napari-cuda-iso-threshold").fill("128")
    kernel_wait(kc, "top.iso_threshold", 128)
    page.locator(f"{PANEL} .napari-cuda-rendering").select_option("attenuated_mip")
    kernel_wait(kc, "top.rendering", "attenuated_mip")
    dom_wait(page, "p.querySelector('.napari-cuda-attenuation').hidden", False)
    page.locator(f"{PANEL} .napari-cuda-attenuation").fill("0.2")
    kernel_wait(kc, "top.attenuation", 0.2)
    run_code(kc, "top.attenuation = 0.35")
    dom_wait(page, "p.querySelector('.napari-cuda-attenuation').value", "0.35")
    page.locator(".napari-cuda-frame").screenshot(path="/tmp/panel-3d.png")
    run_code(kc, "top.rendering = 'mip'; viewer.dims.ndisplay = 2")
    dom_wait(page, "p.querySelector('.napari-cuda-rendering').hidden", True)


def test_auto_contrast_once(panel) -> None:  # type: ignore[no-untyped-def]
    """napari's "once": the min and max of the data on screen, fetched from the daemon."""
    page, kc = panel
    row(page, "top").click()
    button = page.locator(f"{PANEL} .napari-cuda-auto-contrast")
    dom_wait(page, "p.querySelector('.napari-cuda-auto-contrast').disabled", False)
    run_code(kc, "top.contrast_limits = (0, 255)")
    button.click()
    # The whole slice is in view: the 50 corner and the 250 rest.
    kernel_wait(kc, "list(top.contrast_limits)", [50, 250])
    # Zoomed in away from the corner: only 250 is on screen (flat data gets napari's unit span).
    run_code(kc, "viewer.camera.center = (32, 48); viewer.camera.zoom = 16")
    page.wait_for_function("() => globalThis.__napariCuda.views[0].camera.zoom === 16")
    button.click()
    kernel_wait(kc, "list(top.contrast_limits)", [250, 251])
    run_code(kc, "viewer.reset_view(); top.contrast_limits = (0, 255)")


def test_collapses_when_narrow_and_remembers_the_choice(panel) -> None:  # type: ignore[no-untyped-def]
    page, _ = panel
    toggle = page.locator(f"{PANEL} .napari-cuda-panel-toggle")
    assert toggle.get_attribute("aria-expanded") == "true"
    page.set_viewport_size({"width": 640, "height": 1000})
    dom_wait(page, "p.dataset.collapsed", "true")
    assert dom(page, "p.getBoundingClientRect().width") < 40
    page.locator(".napari-cuda-frame").screenshot(path="/tmp/panel-collapsed.png")
    toggle.click()
    dom_wait(page, "p.dataset.collapsed", "false")
    # The user's choice holds when the width changes.
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.set_viewport_size({"width": 600, "height": 1000})
    page.wait_for_function("() => document.querySelector('.napari-cuda-frame').getBoundingClientRect().width < 600")
    assert dom(page, "p.dataset.collapsed") == "false"
    toggle.click()
    dom_wait(page, "p.dataset.collapsed", "true")
    page.set_viewport_size({"width": 1400, "height": 1000})
    page.wait_for_function("() => document.querySelector('.napari-cuda-frame').getBoundingClientRect().width > 700")
    assert dom(page, "p.dataset.collapsed") == "true"
    toggle.click()
    dom_wait(page, "p.dataset.collapsed", "false")
    # The dark theme: the panel follows JupyterLab's colours.
    page.evaluate("() => window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Dark'})")
    page.wait_for_function("() => document.body.dataset.jpThemeLight === 'false'", timeout=20_000)
    page.wait_for_timeout(500)  # only for the screenshot: theme CSS variables apply on the next paint
    page.locator(".napari-cuda-frame").screenshot(path="/tmp/panel-dark.png")
    page.evaluate("() => window.jupyterapp.commands.execute('apputils:change-theme', {theme: 'JupyterLab Light'})")
