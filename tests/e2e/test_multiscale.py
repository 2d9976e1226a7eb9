"""Browser end-to-end: an OME-Zarr pyramid and an n-D array in a real JupyterLab and a real Chromium.

One notebook holds two viewers: a 4096^2 uint16 pyramid (4 levels, 256 px chunks, written at test
time by ome-zarr-py) in a 480x360 canvas, and a (5, 64, 64) zyx numpy volume with one dims slider.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import nbformat
import numpy as np
import pytest

from support.browser import canvas_rgba, open_notebook, psnr, run_all_cells, wait_frames, wait_until
from support.browser import settle as settle_view
from support.lab import LabServer, run_code
from support.pyramids import write_pyramid_2d

SIZE, CHUNK, COARSEST = 4096, 256, 512  # levels 4096, 2048, 1024, 512
CANVAS = (480, 360)  # CSS px (= device px in headless Chromium)

SETUP = """\
import numpy as np
import napari_cuda
viewer = napari_cuda.Viewer(width={w}, height={h})
layer = viewer.add_image({path!r}, colormap="gray", contrast_limits=(0, 7000), name="pyramid")
viewer.debug_overlay = True  # the level figures live in the debug overlay
viewer
"""

SETUP_ND = """\
zz, yy, xx = np.mgrid[0:5, 0:64, 0:64]
vol = ((np.sin(xx / (2.0 + zz)) * np.cos(yy / (3.0 + zz)) + 1) * 400 * (zz + 1)).astype(np.uint16)
viewer2 = napari_cuda.Viewer(width=320, height=240)
layer2 = viewer2.add_image(vol, contrast_limits=(0, 4000), name="volume")
viewer2.debug_overlay = True
viewer2
"""


def view_index(page, kc, name: str) -> int:  # type: ignore[no-untyped-def]
    """Index in globalThis.__napariCuda.views of the view of the kernel's viewer `name`."""
    model_id = run_code(kc, f"print({name}.model_id)").strip()
    return int(page.evaluate("(id) => globalThis.__napariCuda.views.findIndex((v) => v.modelId === id)", model_id))


def kernel_json(kc, expr: str):  # type: ignore[no-untyped-def]
    return json.loads(run_code(kc, f"import json as _j; print(_j.dumps({expr}))"))


def view_js(page, i: int, body: str):  # type: ignore[no-untyped-def]
    """Evaluate `body` (an expression over `v`, the view handle, and `root`, its widget element)."""
    return page.evaluate(
        f"(i) => {{ const v = globalThis.__napariCuda.views[i]; const root = v.canvas.parentElement.parentElement;"
        f" return ({body}); }}",
        i,
    )


def settle(page, i: int) -> None:  # type: ignore[no-untyped-def]
    """Wait until view `i` has nothing loading and no new frame came for 0.6 s."""
    settle_view(page, i, quiet=0.6, timeout=30, loading=True)


def screenshot(kc, name: str, tmp_path: Path) -> np.ndarray:  # type: ignore[no-untyped-def]
    f = tmp_path / f"{name}.npy"
    run_code(kc, f"import numpy as _np; _np.save({str(f)!r}, {name}.screenshot())")
    return np.load(f)


def bin2(a: np.ndarray) -> np.ndarray:
    """RGB means over 2x2 pixel bins."""
    h, w = a.shape[0] // 2 * 2, a.shape[1] // 2 * 2
    return a[:h, :w, :3].astype(np.float64).reshape(h // 2, 2, w // 2, 2, 3).mean(axis=(1, 3))


def edge_energy(a: np.ndarray) -> float:
    """Mean absolute difference of neighbouring pixels (grey), a sharpness measure."""
    g = a[..., :3].astype(np.float64).mean(axis=-1)
    return float(np.abs(np.diff(g, axis=0)).mean() + np.abs(np.diff(g, axis=1)).mean())


def hud(page, i: int) -> str:  # type: ignore[no-untyped-def]
    return str(view_js(page, i, "root.querySelector('.napari-cuda-debug').textContent"))


@pytest.fixture(scope="module")
def ms(lab: LabServer, browser) -> Iterator[tuple]:  # type: ignore[no-untyped-def]
    """The multiscale notebook run in a page: (page, kernel client, pyramid view index, volume view index)."""
    path = lab.root / "pyramid.ome.zarr"
    write_pyramid_2d(path, SIZE, chunk=CHUNK, coarsest=COARSEST, noise=0.2)
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell(SETUP.format(w=CANVAS[0], h=CANVAS[1], path=str(path))),
        nbformat.v4.new_code_cell(SETUP_ND),
    ]
    nbformat.write(nb, lab.root / "multiscale.ipynb")
    page = browser.new_page(viewport={"width": 1200, "height": 1400})
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    open_notebook(page, lab.url, lab.token, "multiscale.ipynb")
    run_all_cells(page)
    kc = lab.kernel_client("multiscale.ipynb")
    try:
        run_code(kc, "assert 'viewer2' in globals()", timeout=120)
        try:
            wait_frames(page, 1, view=0, timeout=60)
            wait_frames(page, 1, view=1, timeout=60)
        except Exception as err:
            raise AssertionError(
                "no decoded frame; browser console:\n" + "\n".join(console[-40:]) + "\nserver:\n" + lab.log_tail()
            ) from err
        yield page, kc, view_index(page, kc, "viewer"), view_index(page, kc, "viewer2")
    finally:
        kc.stop_channels()
        page.close()
        lab.shutdown_kernels()


def test_pyramid_level_follows_the_zoom(ms, tmp_path: Path) -> None:
    page, kc, pv, _ = ms
    levels = kernel_json(kc, "[list(map(int, s)) for s in layer.level_shapes]")
    assert levels == [[SIZE >> k, SIZE >> k] for k in range(4)], levels
    assert kernel_json(kc, "[layer.multiscale, viewer.canvas['width'], viewer.canvas['height']]") == [True, *CANVAS]
    # Full view: the canvas sees the whole 4096 px image at ~12 data px per screen px, so napari's rule
    # picks the coarsest level (512 px still exceeds the 480 x 360 canvas). The view reports it.
    coarsest = len(levels) - 1
    try:
        wait_until(lambda: kernel_json(kc, "layer.data_level") == coarsest, timeout=20, interval=0.3)
    except TimeoutError:
        raise AssertionError(f"kernel layer.data_level {kernel_json(kc, 'layer.data_level')} != {coarsest}") from None
    # A frame drawn with the layer at that level (its header), not only a meta about it.
    header = wait_until(
        lambda: (h := view_js(page, pv, "[v.stats().level, v.stats().level_count]")) == [coarsest, 4] and h
    )
    assert header == [coarsest, 4], header
    assert wait_until(lambda: f"data level {coarsest} / 3" in hud(page, pv), timeout=10), hud(page, pv)
    assert view_js(page, pv, "v.meta.level_count") == 4
    assert view_js(page, pv, "root.querySelectorAll('.napari-cuda-dims-slider').length") == 0

    # Record whether the loading indicator shows while level-0 chunks load (exact: a MutationObserver).
    view_js(
        page,
        pv,
        """(() => { const b = root.querySelector('.napari-cuda-loading'); globalThis.__ncLoadingSeen = false;
             new MutationObserver(() => { if (b.style.display !== 'none' && b.textContent.includes('loading'))
               globalThis.__ncLoadingSeen = true; }).observe(b, {attributes: true, childList: true,
               subtree: true, characterData: true}); return true; })()""",
    )
    # 1:1 (one data pixel per screen pixel) off-centre: only level 0 is sharp there.
    run_code(kc, "viewer.camera.zoom = 1.0; viewer.camera.center = (1500.5, 2300.5)")
    try:
        wait_until(lambda: kernel_json(kc, "layer.data_level") == 0, timeout=20, interval=0.3)
    except TimeoutError:
        raise AssertionError(
            f"layer.data_level stayed {kernel_json(kc, 'layer.data_level')}; meta={view_js(page, pv, 'v.meta')}"
        ) from None
    settle(page, pv)
    assert view_js(page, pv, "v.meta.layers[0].loaded && v.meta.layers[0].data_level") == 0
    assert view_js(page, pv, "v.stats().level") == 0, "the last displayed frame's header is not level 0"
    assert wait_until(lambda: "data level 0 / 3" in hud(page, pv), timeout=10), hud(page, pv)
    assert page.evaluate("() => globalThis.__ncLoadingSeen"), "the loading indicator never showed"
    assert view_js(page, pv, "root.querySelector('.napari-cuda-loading').style.display") == "none"

    # Sharp: the canvas matches the daemon's still image at level 0, and not the coarsest level's.
    canvas = canvas_rgba(page, pv)
    fine = screenshot(kc, "viewer", tmp_path)
    assert kernel_json(kc, "layer.data_level") == 0  # the screenshot used level 0 as well
    run_code(kc, f"layer.locked_data_level = {coarsest}")
    coarse = screenshot(kc, "viewer", tmp_path)
    run_code(kc, "layer.locked_data_level = None")
    assert canvas.shape == fine.shape == coarse.shape, (canvas.shape, fine.shape, coarse.shape)
    # PSNR on 2x2 bins: H.264 (CRF 26) loses much of the single-pixel detail at 1:1 but keeps the structure
    # that tells the levels apart (level 3 at 1:1 is 8 px blocks).
    p_fine, p_coarse = psnr(bin2(canvas), bin2(fine)), psnr(bin2(canvas), bin2(coarse))
    e_canvas, e_fine, e_coarse = edge_energy(canvas), edge_energy(fine), edge_energy(coarse)
    print(
        f"PSNR canvas vs level 0: {psnr(canvas, fine):.1f} dB ({p_fine:.1f} binned), vs level {coarsest}: "
        f"{psnr(canvas, coarse):.1f} dB ({p_coarse:.1f} binned); edge energy {e_canvas:.2f} / {e_fine:.2f} / "
        f"{e_coarse:.2f}"
    )
    assert p_fine >= 30, f"canvas vs level-0 screenshot PSNR {p_fine:.1f} dB (2x2 bins) < 30"
    assert p_coarse < p_fine - 5, f"level {coarsest} ({p_coarse:.1f} dB) is as close as level 0 ({p_fine:.1f} dB)"
    # Sharp: as much pixel-to-pixel contrast as the level-0 still, far more than the coarse level's.
    assert e_canvas >= 0.8 * e_fine and e_canvas >= 1.5 * e_coarse, (e_canvas, e_fine, e_coarse)


def test_dims_slider_moves_the_kernel_step(ms, tmp_path: Path) -> None:
    page, kc, _, vv = ms
    assert kernel_json(kc, "viewer2.dims.ndim") == 3
    sliders = view_js(page, vv, "[...root.querySelectorAll('.napari-cuda-dims-slider')].map((s) => s.dataset.axis)")
    assert sliders == ["0"], sliders
    settle(page, vv)
    before = kernel_json(kc, "list(viewer2.dims.current_step)")
    first = canvas_rgba(page, vv)
    key = "ArrowRight" if before[0] < 4 else "ArrowLeft"
    slider = page.locator(".napari-cuda-dims-slider").nth(0)
    slider.focus()
    page.keyboard.press(key)
    want = before[0] + (1 if key == "ArrowRight" else -1)
    moved = view_js(page, vv, "root.querySelector('.napari-cuda-dims-slider').value")
    assert moved == str(want), f"{key} on the focused slider left it at {moved} (a page handler ate the key?)"
    try:
        wait_until(lambda: kernel_json(kc, "viewer2.dims.current_step[0]") == want, timeout=10, interval=0.2)
    except TimeoutError:
        raise AssertionError(f"kernel current_step {kernel_json(kc, 'list(viewer2.dims.current_step)')}") from None
    assert kernel_json(kc, "list(viewer2.dims.current_step)")[1:] == before[1:]
    # The canvas shows the new plane, as the daemon renders it for the kernel's state.
    settle(page, vv)
    second = canvas_rgba(page, vv)
    value = psnr(second, screenshot(kc, "viewer2", tmp_path))
    print(f"PSNR canvas vs screenshot after the slider move: {value:.1f} dB")
    assert value >= 30
    assert psnr(first, second) < 25, "the canvas did not change with the plane"
    # And the other way: the kernel moves the step, the slider follows.
    run_code(kc, "viewer2.dims.set_current_step(0, 4 if viewer2.dims.current_step[0] != 4 else 0)")
    target = kernel_json(kc, "viewer2.dims.current_step[0]")
    wait_until(lambda: view_js(page, vv, "root.querySelector('.napari-cuda-dims-slider').value") == str(target))
