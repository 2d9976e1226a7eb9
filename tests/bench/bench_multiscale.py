"""Benchmark scenarios on real data: an OME-Zarr pyramid (open, zoom to 1:1, pan) and a 3D volume (rotate).

Times are end to end, from the kernel's wall clock (time.time() just before the call) to the page's
display time of the frame (performance.timeOrigin + the frame's performance.now() stamp): same
machine, same clock (bench_recorder.py logs the page's side).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from bench_common import cache_fields, daemon_metrics, memory_fields, viewer_info, write_notebook
from bench_pan_zoom import link_fields, run_pattern
from bench_recorder import Recorder, at_level0, complete, drag, sharp, shows_layer

from support.browser import open_notebook, run_all_cells
from support.lab import LabServer, run_code
from support.link_relay import LinkProfile

EMPTY_VIEWER = """\
import os
os.environ["NAPARI_CUDA_PREDICT"] = "{predict}"
import time
import numpy as np
import napari_cuda
viewer = napari_cuda.Viewer(width={width}, height={height})
viewer
"""


def wait_idle(page, quiet: float = 0.8, timeout: float = 60) -> None:  # type: ignore[no-untyped-def]
    """Until nothing is loading and no frame came for `quiet` seconds."""
    deadline = time.monotonic() + timeout
    last = -1
    while time.monotonic() < deadline:
        n = page.evaluate(
            "() => { const v = globalThis.__napariCuda.views[0];"
            " return (v.meta === null || v.meta.loading === 0) ? v.frames : -2; }"
        )
        if n == last and n >= 0:
            return
        last = n
        time.sleep(quiet)
    raise TimeoutError("the view never went idle")


def open_empty_viewer(  # type: ignore[no-untyped-def]
    opener, lab: LabServer, name: str, width: int, height: int, url: str | None = None, predict: bool = True
):
    """A page (from a Browser, or a BrowserContext sized for it) at `url` (default the lab's) with an
    empty, streaming Viewer; returns (page, kernel client)."""
    nb = write_notebook(lab, name, EMPTY_VIEWER.format(width=width, height=height, predict=int(predict)))
    if hasattr(opener, "new_context"):
        page = opener.new_page(viewport={"width": width + 400, "height": height + 500})
    else:
        page = opener.new_page()
    open_notebook(page, url or lab.url, lab.token, nb)
    run_all_cells(page)
    page.wait_for_function(
        "() => { const v = globalThis.__napariCuda && globalThis.__napariCuda.views[0];"
        " return !!v && v.status === 'streaming'; }",
        timeout=90_000,
    )
    return page, lab.kernel_client(nb)


def multiscale_scenario(browser, lab: LabServer, pyramid: dict, width: int, height: int, seconds: float) -> dict:  # type: ignore[no-untyped-def]
    """Open the pyramid, zoom to 1:1 at its centre, pan at 1:1."""
    side = pyramid["shape"][-1]
    name = f"multiscale_{side}_{width}x{height}"
    page, kc = open_empty_viewer(browser, lab, name, width, height)
    try:
        pid = int(viewer_info(kc)["pid"])
        rec = Recorder(page)
        t_open = json.loads(
            run_code(
                kc,
                f"_t0 = time.time(); layer = viewer.add_image({pyramid['path']!r}); _t1 = time.time()\n"
                "import json; print(json.dumps([_t0, _t1]))",
                timeout=120,
            )
        )
        opened = rec.page_ms(t_open[0])
        first = rec.wait(shows_layer, opened)
        full = rec.wait(complete, opened)
        full_level = next(e["lv"] for e in rec.events if e["k"] == "frame" and e["t"] == full)
        wait_idle(page)
        # napari's rule for this view (a still: no hysteresis), and what the kernel was told.
        levels = json.loads(
            run_code(kc, "_l = layer.data_level; viewer.screenshot(); print(json.dumps([_l, layer.data_level]))")
        )

        t_zoom = float(run_code(kc, "_t0 = time.time(); viewer.camera.zoom = 1.0; print(_t0)"))
        zoomed = rec.page_ms(t_zoom)
        level0 = rec.wait(at_level0, zoomed)
        sharp_at = rec.wait(sharp, zoomed)
        wait_idle(page)
        level_after_zoom = int(run_code(kc, "print(layer.data_level)"))
        rec.stop()

        pan = drag(page, seconds, "pan")
        wait_idle(page)
        metrics = daemon_metrics(kc)
        return {
            "name": name,
            "pyramid_shape": pyramid["shape"],
            "pyramid_levels": pyramid["levels"],
            "pyramid_chunk": pyramid["chunk"],
            "pyramid_write_s": round(pyramid["seconds"], 1) if "seconds" in pyramid else None,
            "width": width,
            "height": height,
            "add_image_s": round(t_open[1] - t_open[0], 3),
            "first_frame_ms": round(first - opened, 1),
            "first_complete_ms": round(full - opened, 1),
            "full_view_level": full_level,
            "full_view_kernel_level": levels[0],
            "full_view_napari_rule_level": levels[1],
            "zoom_level0_frame_ms": round(level0 - zoomed, 1),
            "zoom_sharp_ms": round(sharp_at - zoomed, 1),
            "level_after_zoom": level_after_zoom,
            **{f"pan_{k}": v for k, v in pan.items()},
            **memory_fields(pid),
            **cache_fields(metrics),
        }
    finally:
        kc.stop_channels()
        page.close()
        lab.shutdown_kernels()


VOLUME = """\
_z, _y, _x = np.ogrid[0:{n}, 0:{n}, 0:{n}]
_d2 = ((_z % 32 - 16.0) ** 2 + (_y % 32 - 16.0) ** 2 + (_x % 32 - 16.0) ** 2).astype(np.float32)
_b = 1 + ((_z // 32) * 7 + (_y // 32) * 13 + (_x // 32) * 5) % 5
vol = (200 + 1500 * _b * np.exp(-_d2 / 50.0)).astype(np.uint16)
layer = viewer.add_image(vol, contrast_limits=(0, 8000), rendering="mip")
viewer.dims.ndisplay = 3
print(viewer.dims.ndisplay)
"""


def volume_scenario(  # type: ignore[no-untyped-def]
    context,
    lab: LabServer,
    url: str,
    link: LinkProfile,
    predict: bool,
    n: int,
    width: int,
    height: int,
    seconds: float,
    tmp: Path,
) -> dict:
    """A numpy n^3 uint16 volume in 3D (mip, the CPU renderer unless a GPU one is there) at `url` across
    `link`: fps while rotating, then orbits with pauses (perceived latency at gesture onsets: an orbit
    has no 2D transform to match), and the still view against viewer.screenshot()."""
    name = f"volume_{n}_{width}x{height}_{link.name}_{'predict' if predict else 'nopredict'}"
    page, kc = open_empty_viewer(context, lab, name, width, height, url, predict)
    try:
        pid = int(viewer_info(kc)["pid"])
        ndisplay = int(run_code(kc, VOLUME.format(n=n), timeout=120))
        page.wait_for_function("() => globalThis.__napariCuda.views[0].dims.ndisplay === 3", timeout=30_000)
        wait_idle(page)
        angles0 = run_code(kc, "print(tuple(viewer.camera.angles))").strip()
        rot = drag(page, seconds, "orbit")
        for key in ("frames_polled", "frames_not_at_chosen_level", "frames_while_loading"):
            rot.pop(key)  # a single-scale in-memory layer: no levels, nothing to load
        wait_idle(page)
        angles1 = run_code(kc, "print(tuple(viewer.camera.angles))").strip()
        onset = run_pattern(page, kc, "pauses", min(seconds, 6.0), tmp, match=False)
        return {
            "name": name,
            "volume_shape": [n, n, n],
            "width": width,
            "height": height,
            **link_fields(link, predict),
            "ndisplay": ndisplay,
            "rotated": angles0 != angles1,
            **{f"rotate_{k}": v for k, v in rot.items()},
            **onset,
            **memory_fields(pid),
        }
    finally:
        kc.stop_channels()
        page.close()
        lab.shutdown_kernels()


def pyramid_info(path: Path) -> dict:
    """Shape, level count and chunk of an existing OME-Zarr image (e.g. examples/make_demo_data.py's)."""
    import zarr

    group = zarr.open_group(str(path), mode="r")
    attrs = dict(group.attrs)
    ms = (attrs["ome"] if "ome" in attrs else attrs)["multiscales"][0]
    a0 = group[ms["datasets"][0]["path"]]
    return {"path": str(path), "shape": list(a0.shape), "levels": len(ms["datasets"]), "chunk": a0.chunks[-1]}
