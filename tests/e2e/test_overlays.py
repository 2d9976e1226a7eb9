"""Browser end-to-end: napari's overlays (scale bar, axes, layer bounding boxes) drawn over the video.

One notebook with two viewers in a real JupyterLab and Chromium: a 2D image (a bright rectangle on
black, micrometer units) and a 3D volume of ones (anisotropic scale, a translate) shown in 3D. The
overlays are drawn by the browser from the camera; the video is the daemon's rendering. The boxes
must sit on the rendered data's edges in canvas pixels at several camera angles.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import nbformat
import numpy as np
import pytest

from support.browser import canvas_rgba, open_notebook, run_all_cells, wait_frames, wait_until
from support.browser import settle as settle_view
from support.lab import LabServer, run_code

W, H = 480, 360  # CSS px (= device px in headless Chromium)

SETUP_2D = """\
import numpy as np
import napari_cuda
img = np.zeros((60, 80), np.uint8)
img[10:50, 20:70] = 255
viewer = napari_cuda.Viewer(width={w}, height={h})
layer = viewer.add_image(img, colormap="gray", contrast_limits=(0, 255), name="image")
layer.units = ("micrometer", "micrometer")
viewer
"""

SETUP_3D = """\
vol = np.ones((40, 60, 80), np.uint8)
viewer3 = napari_cuda.Viewer(width={w}, height={h})
layer3 = viewer3.add_image(vol, colormap="gray", contrast_limits=(0, 1), name="volume",
                           scale=(1.5, 1, 1), translate=(4, -3, 2))
viewer3.dims.ndisplay = 3
viewer3
"""


def view_index(page, kc, name: str) -> int:  # type: ignore[no-untyped-def]
    model_id = run_code(kc, f"print({name}.model_id)").strip()
    return int(page.evaluate("(id) => globalThis.__napariCuda.views.findIndex((v) => v.modelId === id)", model_id))


def svg_js(page, i: int, body: str):  # type: ignore[no-untyped-def]
    """Evaluate `body` over `svg`, the overlays' <svg> of view `i` (null when absent)."""
    return page.evaluate(
        "(i) => { const v = globalThis.__napariCuda.views[i];"
        " const svg = v.canvas.parentElement.querySelector('svg.napari-cuda-overlays');"
        f" return ({body}); }}",
        i,
    )


def settle(page, i: int) -> None:  # type: ignore[no-untyped-def]
    """Wait until view `i` has nothing loading and no new frame came for 0.7 s."""
    settle_view(page, i, quiet=0.7, timeout=30, loading=True)


def corners(page, i: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The bounding box's corner points (CSS px of the canvas) as drawn in the page."""
    pts = svg_js(
        page,
        i,
        "svg === null ? [] : [...svg.querySelectorAll('g.napari-cuda-bounding-box circle')]"
        ".map((c) => [Number(c.getAttribute('cx')), Number(c.getAttribute('cy'))])",
    )
    return np.array(pts, dtype=np.float64).reshape(-1, 2)


def wait_corners(page, i: int, n: int) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The corner points once `n` of them are drawn."""
    wait_until(lambda: len(corners(page, i)) == n, timeout=10)
    return corners(page, i)


def camera_settled(page, kc, i: int, name: str, **fields) -> None:  # type: ignore[no-untyped-def]
    """Set the kernel's camera, wait until the view's local camera has it and the frames stopped."""
    args = ", ".join(f"{k}={v!r}" for k, v in fields.items())
    run_code(kc, f"{name}.camera.update({args})")
    want = json.loads(
        run_code(
            kc, f"import json; print(json.dumps({{'zoom': {name}.camera.zoom, 'angles': list({name}.camera.angles)}}))"
        )
    )

    def arrived() -> bool:
        cam = page.evaluate("(i) => globalThis.__napariCuda.views[i].camera", i)
        return abs(cam["zoom"] - want["zoom"]) < 1e-6 and np.allclose(cam["angles"], want["angles"], atol=1e-6)

    wait_until(arrived, timeout=10)
    settle(page, i)


def support(mask: np.ndarray, pts: np.ndarray, ndir: int = 24) -> tuple[float, float]:
    """How far the lit pixel centres reach towards the corner points' hull along `ndir` directions:
    (the most any lies beyond it, the most the picture stops short of it), in px."""
    ys, xs = np.nonzero(mask)
    centres = np.stack([xs + 0.5, ys + 0.5], axis=1)
    outside, short = -np.inf, 0.0
    for a in np.linspace(0, 2 * np.pi, ndir, endpoint=False):
        d = np.array([np.cos(a), np.sin(a)])
        gap = float((pts @ d).max()) - float((centres @ d).max())
        outside, short = max(outside, -gap), max(short, gap)
    return outside, short


@pytest.fixture(scope="module")
def ov(lab: LabServer, browser) -> Iterator[tuple]:  # type: ignore[no-untyped-def]
    """The notebook run in a page: (page, kernel client, 2D view index, 3D view index)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell(SETUP_2D.format(w=W, h=H)),
        nbformat.v4.new_code_cell(SETUP_3D.format(w=W, h=H)),
    ]
    nbformat.write(nb, lab.root / "overlays.ipynb")
    page = browser.new_page(viewport={"width": 1200, "height": 1400})
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    open_notebook(page, lab.url, lab.token, "overlays.ipynb")
    run_all_cells(page)
    kc = lab.kernel_client("overlays.ipynb")
    try:
        try:
            wait_until(lambda: run_code(kc, "print('viewer3' in globals())").strip() == "True", timeout=120)
        except TimeoutError:
            outputs = page.evaluate("() => [...document.querySelectorAll('.jp-OutputArea')].map((o) => o.textContent)")
            raise AssertionError("the notebook's cells did not run; outputs:\n" + "\n".join(outputs)) from None
        try:
            wait_frames(page, 1, view=0, timeout=60)
            wait_frames(page, 1, view=1, timeout=60)
        except Exception as err:
            raise AssertionError("no frames; console:\n" + "\n".join(console[-40:])) from err
        yield page, kc, view_index(page, kc, "viewer"), view_index(page, kc, "viewer3")
    finally:
        kc.stop_channels()
        page.close()


def shoot(page, i: int, path: str) -> None:  # type: ignore[no-untyped-def]
    """A screenshot of view `i`'s canvas with its overlays, as a user sees it."""
    page.evaluate("(i) => globalThis.__napariCuda.views[i].canvas.scrollIntoView({block: 'center'})", i)
    page.evaluate("() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)))")
    box = page.evaluate(
        "(i) => { const r = globalThis.__napariCuda.views[i].canvas.getBoundingClientRect();"
        " return {x: r.x, y: r.y, width: r.width, height: r.height}; }",
        i,
    )
    page.screenshot(path=path, clip=box)


def test_nothing_is_drawn_by_default(ov) -> None:  # type: ignore[no-untyped-def]
    page, _, i2, i3 = ov
    for i in (i2, i3):
        assert svg_js(page, i, "svg !== null && svg.children.length") == 0


def test_scale_bar_label_and_length_at_known_zooms(ov) -> None:  # type: ignore[no-untyped-def]
    page, kc, i, _ = ov
    camera_settled(page, kc, i, "viewer", zoom=2.0)
    run_code(kc, "viewer.scale_bar.visible = True")

    def bar() -> dict | None:
        return svg_js(
            page,
            i,
            "(() => { const g = svg && svg.querySelector('g.napari-cuda-scale-bar'); if (!g) return null;"
            " const t = g.querySelector('text').getBoundingClientRect(); const c = v.canvas.getBoundingClientRect();"
            " return {label: g.dataset.label, text: g.querySelector('text').textContent,"
            " length: Number(g.dataset.length),"
            " left: Number(g.dataset.left), right: Number(g.dataset.right),"
            " tx: t.x - c.x, ty: t.y - c.y, tw: t.width, th: t.height}; })()",
        )

    # 150 px at 2 px per µm is 75 µm: napari's preferred value below it is 50 µm, 100 px long.
    b = wait_until(lambda: (x := bar()) and x["label"] == "50 µm" and x, timeout=10)
    assert b["text"] == "50 µm" and abs(b["length"] - 100) < 1e-9, b
    assert abs(b["right"] - (W - 10)) < 1e-9 and abs(b["right"] - b["left"] - 100) < 1e-9, b
    # The label is drawn, inside the canvas's bottom-right quarter.
    assert b["tw"] > 10 and b["th"] > 5, b
    assert W / 2 < b["tx"] and b["tx"] + b["tw"] <= W and H / 2 < b["ty"] and b["ty"] + b["th"] <= H, b
    shoot(page, i, "/tmp/overlays-2d-scale-bar.png")
    # 1500 µm at 0.1 px per µm: 1 mm, 100 px.
    camera_settled(page, kc, i, "viewer", zoom=0.1)
    b = wait_until(lambda: (x := bar()) and x["label"] == "1 mm" and x, timeout=10)
    assert abs(b["length"] - 100) < 1e-9, b
    # The viewer's own unit wins over the layer's.
    run_code(kc, "viewer.scale_bar.unit = 'nm'")
    wait_until(lambda: (x := bar()) and x["label"] == "1 µm", timeout=10)
    run_code(kc, "viewer.scale_bar.unit = None; viewer.scale_bar.visible = False")
    wait_until(lambda: bar() is None, timeout=10)


def test_bounding_box_2d_on_the_image_edges(ov) -> None:  # type: ignore[no-untyped-def]
    page, kc, i, _ = ov
    run_code(kc, "layer.bounding_box.visible = True")
    for zoom, center in ((4.0, (30.0, 40.0)), (3.3, (27.7, 51.2))):
        camera_settled(page, kc, i, "viewer", zoom=zoom, center=center)
        pts = wait_corners(page, i, 4)
        canvas = canvas_rgba(page, i)
        # The whole image is grey 0 outside [10:50, 20:70] and 255 inside: its data box is the dark
        # border's outer edge; the bright block must sit at data rows 10..50, columns 20..70.
        x0, y0 = pts[:, 0].min(), pts[:, 1].min()
        x1, y1 = pts[:, 0].max(), pts[:, 1].max()
        assert abs((x1 - x0) - 80 * zoom) < 1e-6 and abs((y1 - y0) - 60 * zoom) < 1e-6, pts
        mask = canvas[..., :3].mean(axis=-1) > 128
        ys, xs = np.nonzero(mask)
        bright = (xs.min(), xs.max() + 1, ys.min(), ys.max() + 1)
        expect = (x0 + 20 * zoom, x0 + 70 * zoom, y0 + 10 * zoom, y0 + 50 * zoom)
        gap = max(abs(a - b) for a, b in zip(bright, expect, strict=True))
        print(f"2D zoom {zoom}: bright block {bright} vs box-derived {expect}: {gap:.2f} px")
        assert gap <= 2, (bright, expect)
    shoot(page, i, "/tmp/overlays-2d-bbox.png")
    run_code(kc, "layer.bounding_box.visible = False")
    wait_until(lambda: len(corners(page, i)) == 0, timeout=10)


def test_bounding_box_3d_encloses_the_volume_at_several_angles(ov) -> None:  # type: ignore[no-untyped-def]
    page, kc, _, i = ov
    run_code(kc, "layer3.bounding_box.visible = True; viewer3.axes.visible = True")
    # World box: z 4 + 1.5 * (-0.5 .. 39.5), y -3 + (-0.5 .. 59.5), x 2 + (-0.5 .. 79.5).
    centre = (4 + 1.5 * 19.5, -3 + 29.5, 2 + 39.5)
    views = ((0, 0, 90), (25, -30, 80), (-40, 15, 130), (70, 40, 20), (10, 80, 95))
    for n, angles in enumerate(views):
        camera_settled(page, kc, i, "viewer3", center=centre, zoom=2.5, angles=angles)
        pts = wait_corners(page, i, 8)
        mask = canvas_rgba(page, i)[..., :3].mean(axis=-1) > 128
        shoot(page, i, f"/tmp/overlays-3d-{n}.png")
        assert mask.sum() > 1000, "the volume was not rendered"
        outside, short = support(mask, pts)
        print(f"3D angles {angles}: rendered volume vs projected box: {outside:.2f} px beyond, {short:.2f} px short")
        # Nothing is rendered outside the box (a pixel centre lies at most half a pixel beyond an
        # edge the codec blurs), and the volume fills it: the ray caster samples once per voxel
        # along a ray (2.5-3.75 px here), so a ray that only grazes a corner may miss it.
        assert outside <= 1, f"angles {angles}: the volume reaches {outside:.2f} px beyond the box"
        assert short <= 2, f"angles {angles}: the volume stops {short:.2f} px short of the box"


def test_axes_turn_with_the_camera(ov) -> None:  # type: ignore[no-untyped-def]
    page, kc, _, i = ov
    run_code(kc, "viewer3.axes.visible = True; layer3.bounding_box.visible = True")
    camera_settled(page, kc, i, "viewer3", angles=(25, -30, 80))
    wait_until(lambda: svg_js(page, i, "svg && svg.querySelector('g.napari-cuda-axes') !== null"), timeout=10)
    labels = svg_js(page, i, "[...svg.querySelectorAll('g.napari-cuda-axes text')].map((t) => t.textContent)")
    want = run_code(kc, "print(','.join(viewer3.dims.axis_labels))").strip().split(",")
    assert sorted(labels) == sorted(want[-3:]), (labels, want)
    # Each axis arrow (shaft: a polyline from the origin, coloured as napari) is parallel to the
    # projected bounding box's edges along that axis.
    shafts = svg_js(
        page,
        i,
        "[...svg.querySelectorAll('g.napari-cuda-axes polyline')].map((l) => [l.getAttribute('stroke'),"
        " l.getAttribute('points').split(' ').map((p) => p.split(',').map(Number))])",
    )
    colours = {s[0]: np.subtract(s[1][1], s[1][0]) for s in shafts}
    assert set(colours) <= {"#ffff00", "#ff00ff", "#00ffff"} and len(colours) >= 2, colours
    pts = corners(page, i)
    # Corners come in (z, y, x) bit order: corner k is at the max of x when k & 1, of y when k & 2, of z when k & 4.
    for colour, bit in (("#00ffff", 1), ("#ff00ff", 2), ("#ffff00", 4)):
        if colour not in colours:
            continue
        edge = pts[bit] - pts[0]
        d = colours[colour]
        cross = (edge[0] * d[1] - edge[1] * d[0]) / (np.hypot(*edge) * np.hypot(*d))
        assert abs(cross) < 1e-3 and float(edge @ d) > 0, (colour, edge, d)  # SVG keeps 1/1000 px
    shoot(page, i, "/tmp/overlays-3d-axes.png")
    run_code(kc, "viewer3.axes.visible = False")
    wait_until(lambda: svg_js(page, i, "svg.querySelector('g.napari-cuda-axes') === null"), timeout=10)


def test_axes_in_2d_and_everything_at_once(ov) -> None:  # type: ignore[no-untyped-def]
    page, kc, i, i3 = ov
    run_code(kc, "viewer.axes.visible = True; viewer.scale_bar.visible = True; layer.bounding_box.visible = True")
    camera_settled(page, kc, i, "viewer", zoom=4.0, center=(30.0, 40.0))
    wait_until(lambda: svg_js(page, i, "svg && svg.querySelector('g.napari-cuda-axes') !== null"), timeout=10)
    shafts = svg_js(
        page,
        i,
        "[...svg.querySelectorAll('g.napari-cuda-axes polyline')].map((l) => [l.getAttribute('stroke'),"
        " l.getAttribute('points').split(' ').map((p) => p.split(',').map(Number))])",
    )
    # napari's 2D axes: x (cyan) to the right, y (magenta) down, from the same origin near the bottom-left.
    dirs = {c: np.subtract(p[1], p[0]) for c, p in shafts}
    assert set(dirs) == {"#00ffff", "#ff00ff"}, dirs
    assert dirs["#00ffff"][0] > 40 and abs(dirs["#00ffff"][1]) < 1e-9, dirs
    assert dirs["#ff00ff"][1] > 40 and abs(dirs["#ff00ff"][0]) < 1e-9, dirs
    origin = shafts[0][1][0]
    assert origin[0] < W / 4 and origin[1] > H / 2, origin
    # 150 px at 4 px per µm = 37.5 µm -> 25 µm, 100 px.
    label = svg_js(page, i, "svg.querySelector('g.napari-cuda-scale-bar').dataset.label")
    assert label == "25 µm", label
    shoot(page, i, "/tmp/overlays-2d-all.png")
    # In 3D the scale bar follows the orbit camera's zoom: 150 px at 2.5 px per world unit (no
    # unit) is 60 -> 50, 125 px long.
    run_code(kc, "viewer3.scale_bar.visible = True; viewer3.axes.visible = True; layer3.bounding_box.visible = True")
    camera_settled(page, kc, i3, "viewer3", zoom=2.5, angles=(-40, 15, 130))
    bar = wait_until(
        lambda: svg_js(
            page,
            i3,
            "(() => { const g = svg.querySelector('g.napari-cuda-scale-bar');"
            " return g && [g.dataset.label, Number(g.dataset.length)]; })()",
        ),
        timeout=10,
    )
    assert bar[0] == "50" and abs(bar[1] - 125) < 1e-9, bar
    shoot(page, i3, "/tmp/overlays-3d-all.png")
