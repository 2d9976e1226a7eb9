"""The annotate scenario: 10,000 points over a 4096^2 image, panned, against the image alone.

Two notebooks back to back on the loopback link through the proxy (prediction on), the same image
and canvas: `image` (the image alone) and `points` (plus a Points layer of --points random points,
size 20 data units, napari's default colours and border). Each runs the `continuous` and `mixed`
patterns (bench_pan_zoom.run_pattern: fps, perceived and true m2p, frame age, still PSNR). When the
widget has annotation (a Points layer's `mode = "add"`), the `points` notebook also times clicks:
from the click to the new marker on the canvas (the overlay: first canvas change at the click) and
to the point being in the kernel's `points.data`.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from bench_common import memory_fields, viewer_info, write_notebook
from bench_pan_zoom import run_pattern

from support.browser import open_notebook, run_all_cells, wait_frames
from support.lab import LabServer, run_code

SETUP = """\
import os
os.environ["NAPARI_CUDA_TRANSPORT"] = "proxy"
import numpy as np
import napari_cuda
rng = np.random.default_rng(3)
yy, xx = np.mgrid[0:4096:4, 0:4096:4]
small = (np.sin(xx / 97.0) * np.cos(yy / 61.0) * 1000 + 2000).astype(np.uint16)
img = np.repeat(np.repeat(small, 4, 0), 4, 1) + rng.integers(0, 200, (4096, 4096), dtype=np.uint16)
viewer = napari_cuda.Viewer(width={width}, height={height})
viewer.add_image(img, colormap="gray", contrast_limits=(800, 3400))
if {points}:
    pts = viewer.add_points(rng.uniform(0, 4096, ({points}, 2)), size=20, face_color="orange", name="spots")
viewer
"""

CLICK = """async ([x, y]) => {
  const v = globalThis.__napariCuda.views[0];
  const c = v.canvas;
  const r = c.getBoundingClientRect();
  const cx = r.left + x, cy = r.top + y;
  const ctx = document.createElement('canvas').getContext('2d', {willReadFrequently: true});
  const read = () => {
    ctx.canvas.width = 1; ctx.canvas.height = 1;
    ctx.drawImage(c, x * c.width / r.width, y * c.height / r.height, 1, 1, 0, 0, 1, 1);
    return ctx.getImageData(0, 0, 1, 1).data.join(',');
  };
  const inked = (o) => o.width > 0
    && o.getContext('2d').getImageData(o.width * x / r.width, o.height * y / r.height, 1, 1).data[3] > 0;
  const overlay = () => [...c.parentElement.querySelectorAll('canvas')].filter((o) => o !== c);
  const before = read();
  const t0 = performance.now();
  const ev = (type, buttons) => c.dispatchEvent(new PointerEvent(type, {clientX: cx, clientY: cy, pointerId: 1,
    pointerType: 'mouse', isPrimary: true, button: 0, buttons, bubbles: true, cancelable: true}));
  ev('pointerdown', 1); ev('pointerup', 0);
  let shown = null;
  while (performance.now() - t0 < 2000) {
    await new Promise((res) => requestAnimationFrame(res));
    const changed = read() !== before || overlay().some(inked);
    if (changed) { shown = performance.now() - t0; break; }
  }
  return {shown, t0: performance.timeOrigin + t0};
}"""


def click_timings(page, kc, n: int = 5) -> dict:  # type: ignore[no-untyped-def]
    """Clicks in add mode: ms to the marker on screen and to the point in the kernel's points.data."""
    run_code(kc, "pts.mode = 'add'")
    visible, kernel = [], []
    box = page.evaluate(
        "() => { const r = globalThis.__napariCuda.views[0].canvas.getBoundingClientRect();"
        " return [r.width, r.height]; }"
    )
    for k in range(n):
        before = int(run_code(kc, "print(len(pts.data))"))
        x, y = box[0] * (0.3 + 0.1 * k), box[1] * 0.5
        got = page.evaluate(CLICK, [x, y])
        t0 = time.time() * 1000
        while time.time() * 1000 - t0 < 5000:
            if int(run_code(kc, "print(len(pts.data))")) > before:
                break
        stamp = json.loads(run_code(kc, "import json, time; print(json.dumps(time.time() * 1000))"))
        if got["shown"] is not None:
            visible.append(round(got["shown"], 1))
        kernel.append(round(stamp - got["t0"], 1))
    run_code(kc, "pts.mode = 'pan_zoom'")
    return {"click_to_visible_ms": visible, "click_to_kernel_ms_upper": kernel}


def annotate_scenario(browser, lab: LabServer, width: int, height: int, n_points: int, seconds: float, tmp: Path):  # type: ignore[no-untyped-def]
    """Per layer set (image alone, image + points): pan patterns; with points, click timings."""
    results = []
    for label, points in (("image", 0), ("points", n_points)):
        nb = write_notebook(lab, f"annotate_{label}", SETUP.format(width=width, height=height, points=points))
        context = browser.new_context(viewport={"width": width + 400, "height": height + 500})
        page = context.new_page()
        kc = None
        try:
            open_notebook(page, lab.url, lab.token, nb)
            run_all_cells(page)
            wait_frames(page, 1, timeout=180)
            kc = lab.kernel_client(nb)
            info = viewer_info(kc)
            out = {"name": f"annotate_{label}", "points": points, "width": width, "height": height}
            for pattern in ("continuous", "mixed"):
                r = run_pattern(page, kc, pattern, seconds, tmp)
                keep = ("fps", "perceived_m2p_p50_ms", "perceived_m2p_p95_ms", "true_m2p_p50_ms", "true_m2p_p95_ms")
                out.update({f"{pattern}_{k}": r.get(k) for k in keep})
            if points and json.loads(run_code(kc, "import json; print(json.dumps(hasattr(pts, 'mode')))")):
                out.update(click_timings(page, kc))
            out.update({"backend": info.get("backend"), **memory_fields(int(info["pid"]))})
            results.append(out)
        finally:
            if kc is not None:
                kc.stop_channels()
            page.close()
            context.close()
            lab.shutdown_kernels()
    return results
