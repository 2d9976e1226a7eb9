"""Browser end-to-end: the quickstart notebook in a real JupyterLab and a real Chromium."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from support.browser import canvas_box, canvas_rgba, psnr, settle, wait_until
from support.lab import run_code
from support.voila import wait_matches_screenshot


def kernel_camera(kc) -> dict:  # type: ignore[no-untyped-def]
    out = run_code(
        kc, "import json; print(json.dumps({'center': list(viewer.camera.center), 'zoom': viewer.camera.zoom}))"
    )
    return json.loads(out)


def stable_camera(kc, quiet: float = 0.4, timeout: float = 10) -> dict:  # type: ignore[no-untyped-def]
    """The kernel's camera once two reads `quiet` seconds apart agree (throttled writes have landed)."""
    deadline = time.monotonic() + timeout
    last = kernel_camera(kc)
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = kernel_camera(kc)
        if now == last:
            return now
        last = now
    raise TimeoutError("the kernel's camera kept changing")


def assert_matches_screenshot(page, kc, tmp_path: Path) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The canvas, once it matches the daemon's screenshot (PSNR >= 30 dB). Polled: after a move the
    refine and the 4:4:4 still can come after settle()'s quiet period."""
    settle(page)
    return wait_matches_screenshot(page, kc, tmp_path)


def test_canvas_shows_the_daemon_rendering(quickstart, tmp_path: Path) -> None:
    page, kc, _ = quickstart
    stats = page.evaluate("() => globalThis.__napariCuda.views[0].stats()")
    assert stats["frames"] >= 1
    assert_matches_screenshot(page, kc, tmp_path)
    # The kernel saw the canvas size the view reported.
    size = json.loads(run_code(kc, "import json; print(json.dumps(viewer.canvas))"))
    canvas = page.evaluate("() => { const c = globalThis.__napariCuda.views[0].canvas; return [c.width, c.height]; }")
    assert [size["width"], size["height"]] == canvas
    # Which backend and encoder, and why, reach the kernel (viewer.info()).
    info = json.loads(run_code(kc, "import json; print(json.dumps(viewer.info()['stream_info']))"))
    assert info["backend"] in ("cpu", "gpu") and info["backend_reason"], info
    assert info["encoder"] and info["encoder"] in info["encoder_reason"], info


def test_drag_and_wheel_reach_the_kernel(quickstart, tmp_path: Path) -> None:
    page, kc, _ = quickstart
    settle(page)
    before = kernel_camera(kc)
    box = canvas_box(page)
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy)
    page.mouse.down()
    for i in range(1, 11):
        page.mouse.move(cx - 12 * i, cy - 6 * i)
        time.sleep(0.02)
    page.mouse.up()
    zoom = before["zoom"]
    # Content follows the pointer: dragging left/up by (120, 60) px moves the centre right/down.
    # Throttled writes arrive during the gesture; wait for the final one (written at pointerup).
    expected = (before["center"][0] + 60 / zoom, before["center"][1] + 120 / zoom)

    def landed() -> dict | None:
        c = kernel_camera(kc)
        ok = all(abs(c["center"][i] - expected[i]) < 2 / zoom for i in (0, 1))
        return c if ok else None

    try:
        dragged = wait_until(landed, timeout=10)
    except TimeoutError:
        raise AssertionError(f"kernel camera {kernel_camera(kc)} never reached the dragged centre {expected}") from None
    assert dragged["zoom"] == zoom

    # Wheel zoom about the cursor: the world point under the cursor stays put.
    px, py = box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.6
    page.mouse.move(px, py)
    page.mouse.wheel(0, -400)
    wait_until(lambda: kernel_camera(kc)["zoom"] > dragged["zoom"] * 1.05, timeout=10)
    zoomed = stable_camera(kc)  # the final write lands after the wheel gesture ends
    sx, sy = px - box["x"] - box["width"] / 2, py - box["y"] - box["height"] / 2
    for axis, s in ((0, sy), (1, sx)):
        w1 = dragged["center"][axis] + s / dragged["zoom"]
        w2 = zoomed["center"][axis] + s / zoomed["zoom"]
        assert abs(w1 - w2) < 1.0 / zoomed["zoom"] + 1e-6, (axis, w1, w2)
    assert_matches_screenshot(page, kc, tmp_path)


def test_kernel_camera_drives_the_canvas(quickstart, tmp_path: Path) -> None:
    page, kc, _ = quickstart
    settle(page)
    first = canvas_rgba(page)
    frames = page.evaluate("() => globalThis.__napariCuda.views[0].stats().frames")
    run_code(kc, "viewer.camera.zoom = viewer.camera.zoom * 3; viewer.camera.center = (300.0, 400.0)")
    wait_until(lambda: page.evaluate("() => globalThis.__napariCuda.views[0].stats().frames") > frames, timeout=10)
    second = assert_matches_screenshot(page, kc, tmp_path)
    assert psnr(first, second) < 25, "the canvas did not change after the kernel moved the camera"


def test_double_click_resets_the_view(quickstart) -> None:
    page, kc, _ = quickstart
    run_code(kc, "viewer.camera.zoom = 7.0")
    settle(page)
    box = canvas_box(page)
    page.mouse.dblclick(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    cam = wait_until(lambda: (c := kernel_camera(kc))["zoom"] < 7.0 and c, timeout=10)
    h, w = json.loads(run_code(kc, "import json; print(json.dumps(list(img.shape)))"))
    # Fitted: the whole image is visible and centred.
    assert abs(cam["center"][0] - (h - 1) / 2) < 1e-6 and abs(cam["center"][1] - (w - 1) / 2) < 1e-6
    assert min(box["width"] / w, box["height"] / h) * 0.9 < cam["zoom"] <= min(box["width"] / w, box["height"] / h)


def test_proxied_stream_has_no_nagle_delay(quickstart, lab) -> None:  # type: ignore[no-untyped-def]
    """napari_cuda's server extension (installed by the wheel) sets TCP_NODELAY on the proxied stream."""
    page, _, _ = quickstart
    assert page.evaluate("() => globalThis.__napariCuda.views[0].transport") == "proxy"
    log = lab.log_path.read_text(errors="replace")
    assert "napari-cuda: proxied view streams will be sent without Nagle delay" in log, lab.log_tail()
    assert "napari-cuda: TCP_NODELAY on the proxied stream" in log, lab.log_tail()
