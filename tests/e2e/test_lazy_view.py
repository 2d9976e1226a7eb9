"""Browser end-to-end: dask arrays served by the kernel (issue 13) in a real JupyterLab and Chromium.

One notebook cell makes an 8192^2 uint16 dask array from map_blocks over a procedural function
(512 px blocks, each call counted in the kernel) and shows it in a 480x360 viewer. The tests check
that its frames come, that `layer.data_level` follows the zoom (from Python and with the mouse
wheel) while the canvas matches the daemon's still image, and that a second lazy layer whose block
function is slow makes the loading badge count pending chunks, keeps the view live meanwhile, and
computes only the blocks near the view.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import nbformat
import numpy as np
import pytest
from test_quickstart import stable_camera

from support.browser import canvas_box, canvas_rgba, psnr, wait_until
from support.browser import settle as settle_view
from support.lab import LabServer, run_code
from support.notebook_run import notebook_run

CANVAS = (480, 360)
N, CHUNK = 8192, 512

SETUP = """\
import threading, time
import numpy as np
import dask.array as da
import napari_cuda

N, CHUNK = {n}, {chunk}
CALLS = {{"fast": 0, "slow": 0, "slow_running": 0}}
SLOW_S = {{"s": 0.0}}  # the slow layer's per-block delay, raised by the test after add_image
_lock = threading.Lock()


def pattern(block_id, offset):
    i, j = block_id
    yy = np.arange(i * CHUNK, (i + 1) * CHUNK, dtype=np.float32)[:, None]
    xx = np.arange(j * CHUNK, (j + 1) * CHUNK, dtype=np.float32)[None, :]
    return (2000 + offset + 900 * np.sin(xx / 37.0) * np.cos(yy / 23.0) + 400 * np.sin((xx + yy) / 3.0)).astype(
        np.uint16
    )


def fast_block(block_id=None):
    out = pattern(block_id, 0)  # dask's meta inference calls with block_id=None: it raises here, uncounted
    with _lock:
        CALLS["fast"] += 1
    return out


def slow_block(block_id=None):
    i, j = block_id
    with _lock:
        CALLS["slow"] += 1
        CALLS["slow_running"] += 1
    try:
        time.sleep(SLOW_S["s"])
        return pattern(block_id, 500)
    finally:
        with _lock:
            CALLS["slow_running"] -= 1


blocks = ((CHUNK,) * (N // CHUNK),) * 2
darr = da.map_blocks(fast_block, dtype=np.uint16, chunks=blocks)
viewer = napari_cuda.Viewer(width={w}, height={h})
layer = viewer.add_image(darr, colormap="gray", contrast_limits=(0, 4000), name="lazy")
viewer
"""


def kernel_json(kc, expr: str):  # type: ignore[no-untyped-def]
    return json.loads(run_code(kc, f"import json as _j; print(_j.dumps({expr}))"))


def view_js(page, body: str):  # type: ignore[no-untyped-def]
    """Evaluate `body` (an expression over `v`, view 0's handle, and `root`, its widget element)."""
    return page.evaluate(
        f"() => {{ const v = globalThis.__napariCuda.views[0]; const root = v.canvas.parentElement.parentElement;"
        f" return ({body}); }}"
    )


def settle(page) -> None:  # type: ignore[no-untyped-def]
    settle_view(page, 0, quiet=0.6, timeout=60, loading=True)


def screenshot(kc, tmp_path: Path) -> np.ndarray:  # type: ignore[no-untyped-def]
    f = tmp_path / "shot.npy"
    run_code(kc, f"import numpy as _np; _np.save({str(f)!r}, viewer.screenshot())", timeout=120)
    return np.load(f)


def bin2(a: np.ndarray) -> np.ndarray:
    """RGB means over 2x2 pixel bins (H.264 loses single-pixel detail, keeps structure)."""
    h, w = a.shape[0] // 2 * 2, a.shape[1] // 2 * 2
    return a[:h, :w, :3].astype(np.float64).reshape(h // 2, 2, w // 2, 2, 3).mean(axis=(1, 3))


def wait_level(kc, want, timeout: float = 30) -> int:  # type: ignore[no-untyped-def]
    """Until `want(layer.data_level)`; returns the level."""

    def check() -> list[int] | None:
        lv = kernel_json(kc, "layer.data_level")
        return [lv] if lv is not None and want(lv) else None

    try:
        return wait_until(check, timeout, 0.3)[0]
    except TimeoutError:
        raise AssertionError(f"layer.data_level stayed {kernel_json(kc, 'layer.data_level')}") from None


@pytest.fixture(scope="module")
def lazy(lab: LabServer, browser) -> Iterator[tuple]:  # type: ignore[no-untyped-def]
    """The dask notebook run in a page: (page, kernel client)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(SETUP.format(n=N, chunk=CHUNK, w=CANVAS[0], h=CANVAS[1]))]
    nbformat.write(nb, lab.root / "lazy_e2e.ipynb")
    try:
        with notebook_run(lab, browser, "lazy_e2e.ipynb", "assert 'layer' in globals()", width=1200) as (page, kc, _):
            yield page, kc
    finally:
        lab.shutdown_kernels()


def test_dask_layer_shows_frames_and_level_follows_zoom(lazy, tmp_path: Path) -> None:
    page, kc = lazy
    shapes = kernel_json(kc, "[list(map(int, s)) for s in layer.level_shapes]")
    assert shapes[0] == [N, N] and len(shapes) > 1, shapes  # coarser levels reduced from the dask blocks
    assert kernel_json(kc, "type(layer.data).__module__.split('.')[0]") == "dask"  # layer.data is the user's array
    # Full view: 8192 px in a 480 px canvas, so napari's rule picks a coarse level; the view reaches it.
    full = wait_level(kc, lambda lv: lv > 0)
    settle(page)
    assert view_js(page, "v.meta.layers[0].loaded && v.meta.layers[0].data_level") == full
    assert view_js(page, "v.stats().level") == full, "the last frame's header is not the chosen level"
    # The overview needed every block once (reduced levels are cached in the kernel), not more.
    calls = kernel_json(kc, "CALLS['fast']")
    assert 0 < calls <= (N // CHUNK) ** 2, calls

    # Python: 1:1 off-centre, so level 0 is the only sharp one.
    run_code(kc, "viewer.camera.zoom = 1.0; viewer.camera.center = (3000.5, 5000.5)")
    assert wait_level(kc, lambda lv: lv == 0) == 0
    settle(page)
    assert view_js(page, "v.meta.layers[0].loaded && v.meta.layers[0].data_level") == 0
    assert view_js(page, "v.stats().level") == 0
    canvas = canvas_rgba(page)
    shot = screenshot(kc, tmp_path)
    value = psnr(bin2(canvas), bin2(shot))
    print(f"1:1 canvas vs screenshot: {value:.1f} dB (2x2 bins); blocks computed {kernel_json(kc, 'CALLS')}")
    assert canvas.shape == shot.shape and value >= 30, (canvas.shape, shot.shape, value)

    # The mouse wheel: from the full view, zoom in about the centre until the level gets finer.
    run_code(kc, "viewer.reset_view()")
    assert wait_level(kc, lambda lv: lv == full) == full
    zoom0 = kernel_json(kc, "viewer.camera.zoom")
    box = canvas_box(page)
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    for _ in range(60):
        page.mouse.wheel(0, -120)
        time.sleep(0.05)
        if view_js(page, "v.camera.zoom") >= 8 * zoom0:
            break
    wait_until(lambda: kernel_json(kc, "viewer.camera.zoom") >= 4 * zoom0, timeout=15, interval=0.3)
    finer = wait_level(kc, lambda lv: lv < full)
    stable_camera(kc)  # the wheel's last throttled write lands before the next test moves the camera
    print(f"wheel: zoom {zoom0:.4f} -> {kernel_json(kc, 'viewer.camera.zoom'):.4f}, level {full} -> {finer}")


def test_loading_badge_counts_pending_lazy_chunks(lazy) -> None:
    page, kc = lazy
    run_code(kc, "viewer.camera.zoom = 1.0; viewer.camera.center = (3000.5, 5000.5)")
    wait_level(kc, lambda lv: lv == 0)
    settle(page)
    # Record the badge's largest "loading N" (exact: a MutationObserver on the badge).
    view_js(
        page,
        """(() => { const b = root.querySelector('.napari-cuda-loading'); const g = globalThis;
             g.__ncLoadingMax = 0;
             new MutationObserver(() => { const m = /loading (\\d+)/.exec(b.textContent);
               if (b.style.display !== 'none' && m) g.__ncLoadingMax = Math.max(g.__ncLoadingMax, +m[1]);
             }).observe(b, {attributes: true, childList: true, subtree: true, characterData: true});
             return true; })()""",
    )
    # A second lazy layer whose blocks take 2 s each (after add_image: its own calls stay fast).
    run_code(
        kc,
        "slow = viewer.add_image(da.map_blocks(slow_block, dtype=np.uint16, chunks=blocks),"
        " colormap='gray', contrast_limits=(0, 4000), blending='additive', name='slow')\nSLOW_S['s'] = 2.0",
    )
    run_code(kc, "viewer.camera.center = (5500.5, 1500.5)")  # far away: none of the slow layer's blocks computed
    try:
        wait_until(lambda: kernel_json(kc, "CALLS['slow_running']") > 0, timeout=30, interval=0.2)
    except TimeoutError:
        raise AssertionError(f"the slow block function never ran: {kernel_json(kc, 'CALLS')}") from None
    pending = wait_until(lambda: view_js(page, "v.meta && v.meta.loading") or 0, timeout=10, interval=0.1)
    assert pending > 0
    assert wait_until(lambda: page.evaluate("() => globalThis.__ncLoadingMax") > 0, timeout=10), "no badge"
    # A slow computation never freezes the view: a camera move while blocks compute brings frames.
    assert kernel_json(kc, "CALLS['slow_running']") > 0
    frames = view_js(page, "v.frames")
    run_code(kc, "viewer.camera.zoom = 1.1")
    wait_until(lambda: view_js(page, "v.frames") > frames, timeout=10, interval=0.1)
    # Then everything lands and the badge hides.
    settle_view(page, 0, quiet=0.6, timeout=120, loading=True)
    assert view_js(page, "root.querySelector('.napari-cuda-loading').style.display") == "none"
    assert view_js(page, "v.meta.loading") == 0
    assert kernel_json(kc, "slow.data_level") == 0
    # Only the blocks near the view were computed for the slow layer, not a pass over its 256 blocks.
    slow_calls = kernel_json(kc, "CALLS['slow']")
    print(f"badge max {page.evaluate('() => globalThis.__ncLoadingMax')}, slow blocks computed {slow_calls}")
    assert 0 < slow_calls < (N // CHUNK) ** 2 // 2, slow_calls
