"""Browser end-to-end: client-side prediction in a real JupyterLab + Chromium.

The daemon is slowed on purpose (NAPARI_CUDA_DEBUG_RENDER_DELAY_MS=300: each render waits 300 ms),
so nothing the daemon sends can reach the canvas within 50 ms of an input. With prediction on, a
drag must still move the picture within 50 ms, in the drag's direction and by the drag's distance
(two features are located before and after); once the daemon's frame arrives the canvas matches
`viewer.screenshot()`. With prediction off the same drag leaves the canvas unchanged for 50 ms, so
the first check can fail.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import nbformat
import numpy as np
import pytest

from support.browser import canvas_box, canvas_rgba, open_notebook, psnr, run_all_cells, wait_frames
from support.browser import frames_shown as frames
from support.browser import settle as settle_view
from support.lab import run_code

NOTEBOOK = "predict.ipynb"
DELAY_MS = 300
DRAG = (40, 24)  # CSS px

SETUP = f"""
import os
os.environ["NAPARI_CUDA_DEBUG_RENDER_DELAY_MS"] = "{DELAY_MS}"
import numpy as np
import napari_cuda

# Two bright squares on a dark ground: features whose centroids are easy to find in the canvas.
img = np.full((300, 400), 20, dtype=np.uint8)
img[60:100, 80:120] = 250
img[180:230, 260:300] = 180
viewer = napari_cuda.Viewer(width=480, height=360)
layer = viewer.add_image(img, colormap="gray", contrast_limits=(0, 255), interpolation="nearest")
viewer
"""

# In the page: wait for a quiet canvas, press, move by (dx, dy) and sample the canvas on every
# animation frame for `window` ms; returns the ms from the pointermove to the first changed sample
# (null if none changed) and the canvas pixels at that sample.
DRAG_AND_WATCH = """async ([dx, dy, windowMs]) => {
  const v = globalThis.__napariCuda.views[0];
  const c = v.canvas;
  const r = c.getBoundingClientRect();
  const x0 = r.left + r.width / 2, y0 = r.top + r.height / 2;
  const read = () => c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const ptr = (type, x, y, buttons) => c.dispatchEvent(new PointerEvent(type, {clientX: x, clientY: y,
    pointerId: 1, pointerType: 'mouse', isPrimary: true, button: 0, buttons, bubbles: true, cancelable: true}));
  const before = read();
  ptr('pointerdown', x0, y0, 1);
  const t0 = performance.now();
  ptr('pointermove', x0 + dx, y0 + dy, 1);
  let changedAt = null, pixels = null;
  while (performance.now() - t0 < windowMs) {
    await new Promise((res) => requestAnimationFrame(res));
    const now = read();
    if (now.length !== before.length || now.some((b, i) => b !== before[i])) {
      changedAt = performance.now() - t0;
      pixels = Array.from(now);
      break;
    }
  }
  ptr('pointerup', x0 + dx, y0 + dy, 0);
  return {changedAt, pixels, width: c.width, height: c.height, cssWidth: r.width};
}"""


def settle(page) -> None:  # type: ignore[no-untyped-def]
    """No daemon frame for 1 s: renders take 300 ms here."""
    settle_view(page, quiet=1.0, timeout=30)


def centroids(rgba: np.ndarray) -> list[tuple[float, float]]:
    """(x, y) centroids of the brighter (left) and dimmer (right) square, in canvas pixels."""
    lum = rgba[..., :3].astype(np.float64).mean(axis=-1)
    out = []
    for lo, hi in ((215, 256), (130, 215)):
        ys, xs = np.nonzero((lum >= lo) & (lum < hi))
        assert len(xs) > 50, f"feature with luminance in [{lo}, {hi}) not found in the canvas"
        out.append((float(xs.mean()), float(ys.mean())))
    return out


def screenshot(kc, tmp_path: Path) -> np.ndarray:  # type: ignore[no-untyped-def]
    f = tmp_path / "shot.npy"
    run_code(kc, f"import numpy as _np; _np.save({str(f)!r}, viewer.screenshot())")
    return np.load(f)


@pytest.fixture(scope="module")
def slow_view(lab, browser):  # type: ignore[no-untyped-def]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SETUP)])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, lab.root / NOTEBOOK)
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    open_notebook(page, lab.url, lab.token, NOTEBOOK)
    run_all_cells(page)
    kc = lab.kernel_client(NOTEBOOK)
    try:
        run_code(kc, "assert 'viewer' in globals()", timeout=120)
        wait_frames(page, 1, timeout=90)
        canvas_box(page)
        yield page, kc
    finally:
        kc.stop_channels()
        page.close()


def drag(page) -> dict:  # type: ignore[no-untyped-def]
    settle(page)
    before = canvas_rgba(page)
    out = page.evaluate(DRAG_AND_WATCH, [DRAG[0], DRAG[1], 50])
    out["before"] = before
    return out


def test_prediction_moves_the_picture_before_the_daemon_answers(slow_view, tmp_path: Path) -> None:
    page, kc = slow_view
    assert page.evaluate("() => globalThis.__napariCuda.views[0].predict") is True
    out = drag(page)
    assert out["changedAt"] is not None, "the canvas did not change within 50 ms of the pointermove"
    print(f"first change {out['changedAt']:.1f} ms after the pointermove (daemon renders take {DELAY_MS} ms)")
    assert out["changedAt"] <= 50
    after = np.asarray(out["pixels"], dtype=np.uint8).reshape(out["height"], out["width"], 4)
    assert after.shape == out["before"].shape, "a prediction keeps the canvas's backing size"
    scale = out["width"] / out["cssWidth"]  # backing px per CSS px
    for (x0, y0), (x1, y1) in zip(centroids(out["before"]), centroids(after), strict=True):
        moved = ((x1 - x0) / scale, (y1 - y0) / scale)
        print(f"feature moved by ({moved[0]:.1f}, {moved[1]:.1f}) CSS px for a drag of {DRAG}")
        assert abs(moved[0] - DRAG[0]) <= 2 and abs(moved[1] - DRAG[1]) <= 2, (moved, DRAG)

    # The daemon's frame for the drag replaces the prediction; the still view is the real rendering.
    settle(page)
    canvas = canvas_rgba(page)
    shot = screenshot(kc, tmp_path)
    assert shot.shape == canvas.shape, (shot.shape, canvas.shape)
    value = psnr(canvas, shot)
    print(f"PSNR canvas vs screenshot after the real frame: {value:.1f} dB")
    assert value >= 30
    assert page.evaluate("() => globalThis.__napariCuda.views[0].predicting") is False


def test_without_prediction_nothing_moves_before_the_daemon_frame(slow_view) -> None:
    page, kc = slow_view
    run_code(kc, "viewer.predict = False")
    page.wait_for_function("() => globalThis.__napariCuda.views[0].predict === false", timeout=10_000)
    n = frames(page)
    out = drag(page)
    assert out["changedAt"] is None, f"the canvas changed {out['changedAt']} ms after the input without prediction"
    # The drag still reaches the daemon: its frame arrives later and moves the view.
    deadline = time.monotonic() + 20
    while frames(page) <= n and time.monotonic() < deadline:
        time.sleep(0.1)
    assert frames(page) > n, "no daemon frame followed the drag"
    cam = json.loads(run_code(kc, "import json; print(json.dumps(list(viewer.camera.center)))"))
    assert cam, cam
    run_code(kc, "viewer.predict = True")
