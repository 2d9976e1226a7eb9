"""`make bench`: scripted pan/zoom in real Chromium against real JupyterLab; last line = JSON.

Each scenario opens a notebook with a Viewer of a fixed canvas size, waits for the first
frame, then drives >= 10 s of drags and wheel zooms at ~60 input events/s and reads the
widget's per-frame statistics (globalThis.__napariCuda, see src/widget/stats.ts).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import tempfile
import time
from pathlib import Path

import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from support.browser import canvas_box, launch, open_notebook, run_all_cells, wait_frames
from support.lab import LabServer, run_code

SETUP = """\
import numpy as np
import napari_cuda
rng = np.random.default_rng(1)
yy, xx = np.mgrid[0:2048, 0:2048]
img = (np.sin(xx / 37.0) * np.cos(yy / 23.0) * 1000 + 2000 + rng.normal(0, 100, (2048, 2048))).astype(np.uint16)
viewer = napari_cuda.Viewer(width={width}, height={height})
viewer.add_image(img, colormap="viridis", contrast_limits=(800, 3200))
viewer
"""


READ_STATS = """() => {
  const v = globalThis.__napariCuda.views[0];
  const st = v.stats();
  return {frames: st.frames, width: st.width, height: st.height, bytes: v.bytes, seq: v.seq,
          m2p: v.m2p, renderMs: v.renderMs, encodeMs: v.encodeMs, decodeMs: v.decodeMs};
}"""


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    return round(s[min(len(s) - 1, int(math.ceil(q / 100 * len(s))) - 1)], 2)


def drive(page, box: dict, seconds: float) -> None:  # type: ignore[no-untyped-def]
    """Alternate 1 s of circular dragging and 1 s of wheel zooming, ~60 input events/s."""
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    r = min(box["width"], box["height"]) / 6
    period = 1 / 60
    t0 = time.monotonic()
    segment = 0
    while time.monotonic() - t0 < seconds:
        seg_start = time.monotonic()
        drag = segment % 2 == 0
        if drag:
            page.mouse.move(cx + r, cy)
            page.mouse.down()
        k = 0
        while (t := time.monotonic() - seg_start) < 1.0:
            a = t * 2 * math.pi
            page.mouse.move(cx + r * math.cos(a), cy + r * math.sin(a))
            if not drag:
                page.mouse.wheel(0, -40 if (k // 15) % 2 == 0 else 40)
            k += 1
            time.sleep(max(0.0, seg_start + (k * period) - time.monotonic()))
        if drag:
            page.mouse.up()
        segment += 1


def scenario(browser, lab: LabServer, width: int, height: int, seconds: float) -> dict:  # type: ignore[no-untyped-def]
    name = f"pan_zoom_{width}x{height}"
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(SETUP.format(width=width, height=height))]
    nbformat.write(nb, lab.root / f"{name}.ipynb")
    page = browser.new_page(viewport={"width": width + 400, "height": height + 500})
    try:
        open_notebook(page, lab.url, lab.token, f"{name}.ipynb")
        run_all_cells(page)
        wait_frames(page, 1, timeout=90)
        kc = lab.kernel_client(f"{name}.ipynb")
        info = json.loads(run_code(kc, "import json; print(json.dumps(viewer.info(), default=str))"))
        kc.stop_channels()
        page.evaluate("() => globalThis.__napariCuda.views[0].reset()")
        seq0 = page.evaluate("() => globalThis.__napariCuda.views[0].seq")
        t0 = time.monotonic()
        drive(page, canvas_box(page), seconds)
        time.sleep(0.5)  # let the last frames land
        elapsed = time.monotonic() - t0
        s = page.evaluate(READ_STATS)
        return {
            "name": name,
            "width": s["width"],
            "height": s["height"],
            "backend": info.get("backend"),
            "encoder": info.get("encoder"),
            "fps": round(s["frames"] / elapsed, 1),
            "m2p_p50_ms": pct(s["m2p"], 50),
            "m2p_p95_ms": pct(s["m2p"], 95),
            "render_ms_p50": pct(s["renderMs"], 50),
            "encode_ms_p50": pct(s["encodeMs"], 50),
            "decode_ms_p50": pct(s["decodeMs"], 50),
            "bytes_per_s": round(s["bytes"] / elapsed),
            "frames": s["frames"],
            "inputs": s["seq"] - seq0,
            "seconds": round(elapsed, 1),
        }
    finally:
        page.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=12.0)
    ap.add_argument("--sizes", default="1280x720,1920x1080")
    args = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="napari-cuda-bench-") as d:
        lab = LabServer(Path(d)).start()
        pw, browser = launch()
        try:
            for size in args.sizes.split(","):
                w, h = (int(v) for v in size.split("x"))
                results.append(scenario(browser, lab, w, h, args.seconds))
                print(json.dumps(results[-1]), file=sys.stderr)
        finally:
            browser.close()
            pw.stop()
            lab.stop()
    print(json.dumps({"scenarios": results}))


if __name__ == "__main__":
    main()
