"""Browser end-to-end: the status bar under the canvas (napari's cursor readout) in a real JupyterLab.

A (64, 80) uint16 ramp whose value is 1000 * y + x: moving the real mouse over a known pixel must
show that pixel's world coordinates and its exact value, fetched from the daemon. An empty viewer
shows how to add a layer.
"""

from __future__ import annotations

from collections.abc import Iterator

import nbformat
import pytest

from support.browser import canvas_box, open_notebook, run_all_cells, wait_frames, wait_until
from support.lab import LabServer, run_code

W, H = 480, 360  # canvas, CSS px (= device px in headless Chromium)

SETUP = f"""\
import numpy as np
import napari_cuda
ramp = (np.arange(64)[:, None] * 1000 + np.arange(80)[None, :]).astype(np.uint16)
viewer = napari_cuda.Viewer(width={W}, height={H})
layer = viewer.add_image(ramp, name="ramp", contrast_limits=(0, 64000))
viewer.dims.axis_labels = ("y", "x")
viewer.camera.center = (20.0, 30.0)
viewer.camera.zoom = 4.0
viewer
"""

EMPTY = """\
empty = napari_cuda.Viewer(width=320, height=200)
empty
"""


def view_index(page, kc, name: str) -> int:  # type: ignore[no-untyped-def]
    model_id = run_code(kc, f"print({name}.model_id)").strip()
    return int(page.evaluate("(id) => globalThis.__napariCuda.views.findIndex((v) => v.modelId === id)", model_id))


def bar(page, i: int) -> dict:  # type: ignore[no-untyped-def]
    """The status bar of view `i`: its text and data attributes."""
    return page.evaluate(
        """(i) => { const v = globalThis.__napariCuda.views[i];
                   const el = v.canvas.closest('.napari-cuda-main').querySelector('.napari-cuda-statusbar');
                   return {text: el.textContent, ...el.dataset}; }""",
        i,
    )


def move_to_world(page, i: int, y: float, x: float, camera: dict) -> None:  # type: ignore[no-untyped-def]
    """Move the mouse over world point (y, x) of view `i`, given the view's camera."""
    box = canvas_box(page, i)
    sx = box["x"] + box["width"] / 2 + (x - camera["center"][1]) * camera["zoom"]
    sy = box["y"] + box["height"] / 2 + (y - camera["center"][0]) * camera["zoom"]
    page.mouse.move(sx, sy)


def shot(page, i: int, path: str) -> None:  # type: ignore[no-untyped-def]
    """Screenshot of view `i`'s whole widget (canvas, sliders, status bar) for a look by eye."""
    r = page.evaluate(
        """(i) => { const f = globalThis.__napariCuda.views[i].canvas.closest('.napari-cuda-frame');
                   const r = f.getBoundingClientRect(); return {x: r.x, y: r.y, width: r.width, height: r.height}; }""",
        i,
    )
    page.screenshot(path=path, clip=r)


def view_camera(page, i: int) -> dict:  # type: ignore[no-untyped-def]
    return page.evaluate("(i) => globalThis.__napariCuda.views[i].camera", i)


@pytest.fixture(scope="module")
def sb(lab: LabServer, browser) -> Iterator[tuple]:  # type: ignore[no-untyped-def]
    """(page, kernel client, ramp view index, empty view index)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(SETUP), nbformat.v4.new_code_cell(EMPTY)]
    nbformat.write(nb, lab.root / "statusbar.ipynb")
    page = browser.new_page(viewport={"width": 1200, "height": 1200})
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    open_notebook(page, lab.url, lab.token, "statusbar.ipynb")
    run_all_cells(page)
    kc = lab.kernel_client("statusbar.ipynb")
    try:
        run_code(kc, "assert 'empty' in globals()", timeout=120)
        try:
            i = view_index(page, kc, "viewer")
            wait_frames(page, 1, view=i, timeout=60)
        except Exception as err:
            raise AssertionError(
                "no decoded frame; browser console:\n" + "\n".join(console[-40:]) + "\nserver:\n" + lab.log_tail()
            ) from err
        yield page, kc, i, view_index(page, kc, "empty")
    finally:
        kc.stop_channels()
        page.close()
        lab.shutdown_kernels()


def test_status_bar_shows_coordinates_and_the_exact_value(sb) -> None:  # type: ignore[no-untyped-def]
    page, kc, i, _ = sb
    cam = wait_until(lambda: (c := view_camera(page, i))["zoom"] == 4.0 and c, timeout=10)
    before = bar(page, i)
    assert before["layer"] == "ramp" and before["coords"] == "", before

    # Inside pixel (25, 41) (a pixel spans +-0.5 around its centre): value 25041.
    move_to_world(page, i, 25.3, 40.8, cam)
    got = wait_until(lambda: (b := bar(page, i))["value"] == "25041" and b, timeout=10)
    assert got["coords"] == "y 25, x 41", got
    assert got["text"] == "ramp [y 25, x 41]: 25041", got
    assert got["level"] == "", "single-scale data shows no level"
    shot(page, i, "/tmp/statusbar-value.png")

    # The camera moves under a still cursor (from the kernel): the readout follows.
    run_code(kc, "viewer.camera.center = (30.0, 30.0)")
    cam2 = wait_until(lambda: (c := view_camera(page, i))["center"][0] == 30.0 and c, timeout=10)
    assert cam2["zoom"] == 4.0
    got = wait_until(lambda: (b := bar(page, i))["value"] == "35041" and b, timeout=10)
    assert got["coords"] == "y 35, x 41", got

    # Outside the data: coordinates, no value.
    move_to_world(page, i, 30.0, -3.0, cam2)
    got = wait_until(lambda: (b := bar(page, i))["coords"] == "y 30, x -3" and b, timeout=10)
    assert got["value"] == "" and got["text"] == "ramp [y 30, x -3]", got

    # 3D: a screen point is a ray, not a point: no coordinates (as napari), a clear dash.
    run_code(kc, "viewer.dims.ndisplay = 3")
    got = wait_until(lambda: (b := bar(page, i))["coords"] == "—" and b, timeout=10)
    assert got["text"] == "ramp [—]", got
    run_code(kc, "viewer.dims.ndisplay = 2; viewer.camera.center = (30.0, 30.0); viewer.camera.zoom = 4.0")
    wait_until(lambda: bar(page, i)["coords"] == "y 30, x -3", timeout=10)

    # Leaving the canvas clears the readout.
    box = canvas_box(page, i)
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] - 40)
    got = wait_until(lambda: (b := bar(page, i))["coords"] == "" and b, timeout=10)
    assert got["text"] == "ramp", got


def test_pick_round_trip(sb) -> None:  # type: ignore[no-untyped-def]
    """Many positions, each waited for: every value is exact; prints the pick round trip p50."""
    page, kc, i, _ = sb
    run_code(kc, "viewer.camera.center = (20.0, 30.0)")
    cam = wait_until(lambda: (c := view_camera(page, i))["center"][0] == 20.0 and c, timeout=10)
    for k in range(40):
        y, x = 5 + (k * 7) % 50, 3 + (k * 13) % 70
        move_to_world(page, i, y, x, cam)
        want = str(1000 * y + x)
        try:
            wait_until(lambda w=want: bar(page, i)["value"] == w, timeout=10, interval=0.02)
        except TimeoutError:
            raise AssertionError(f"({y}, {x}): status bar {bar(page, i)}, expected value {want}") from None
    info = bar(page, i)
    p50 = float(info["pickP50"])
    print(f"pick round trip p50 in the page: {p50:.1f} ms over {info['picks']} picks")
    assert int(info["picks"]) >= 40


def test_empty_viewer_shows_a_hint(sb) -> None:  # type: ignore[no-untyped-def]
    page, kc, i, e = sb
    assert e >= 0 and e != i
    got = wait_until(lambda: (b := bar(page, e))["text"] and b, timeout=20)
    assert got["text"] == "add a layer with viewer.add_image(...)", got
    shot(page, e, "/tmp/statusbar-empty.png")
    # Adding a layer replaces the hint with the layer's name.
    run_code(kc, "empty.add_image(ramp[:8, :8], name='small')")
    got = wait_until(lambda: (b := bar(page, e))["text"] == "small" and b, timeout=20)
    assert got["layer"] == "small"
    shot(page, e, "/tmp/statusbar-empty-then-layer.png")
