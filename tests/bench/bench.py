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

from support.browser import launch, open_notebook, run_all_cells, wait_frames
from support.lab import LabServer, run_code

SETUP = """\
import os
os.environ["NAPARI_CUDA_CONNECT"] = "{transport}"
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


# Input is generated inside the page at 60 Hz (DOM PointerEvent/WheelEvent dispatched on the canvas):
# driving it through CDP costs ~20 ms a call on this 2-core machine and caps the input rate near 25/s,
# which would cap a render-on-demand viewer's fps too. Latency is measured from each event's timeStamp.
DRIVE = """async (seconds) => {
  const c = globalThis.__napariCuda.views[0].canvas;
  c.scrollIntoView({block: 'center'});
  const r = c.getBoundingClientRect();
  const cx = r.left + r.width / 2, cy = r.top + r.height / 2, rad = Math.min(r.width, r.height) / 6;
  const ptr = (type, x, y, buttons) => c.dispatchEvent(new PointerEvent(type, {
    clientX: x, clientY: y, pointerId: 1, pointerType: 'mouse', isPrimary: true, button: 0, buttons,
    bubbles: true, cancelable: true}));
  const t0 = performance.now();
  let seg = -1, k = 0, x = cx + rad, y = cy;
  while (performance.now() - t0 < seconds * 1000) {
    const t = (performance.now() - t0) / 1000;
    if (Math.floor(t) !== seg) {
      if (seg % 2 === 0) ptr('pointerup', x, y, 0);
      seg = Math.floor(t);
      if (seg % 2 === 0) ptr('pointerdown', x, y, 1);
    }
    const a = (t % 1) * 2 * Math.PI;
    x = cx + rad * Math.cos(a); y = cy + rad * Math.sin(a);
    if (seg % 2 === 0) ptr('pointermove', x, y, 1);
    else c.dispatchEvent(new WheelEvent('wheel', {clientX: x, clientY: y, deltaMode: 0,
      deltaY: Math.floor(k / 15) % 2 === 0 ? -40 : 40, bubbles: true, cancelable: true}));
    k++;
    await new Promise((res) => setTimeout(res, Math.max(0, t0 + k * 1000 / 60 - performance.now())));
  }
  if (seg % 2 === 0) ptr('pointerup', x, y, 0);
  return k;
}"""


def drive(page, seconds: float) -> int:  # type: ignore[no-untyped-def]
    """Alternate 1 s of circular dragging and 1 s of wheel zooming at 60 events/s; returns the event count."""
    return int(page.evaluate(DRIVE, seconds))


def scenario(browser, lab: LabServer, width: int, height: int, transport: str, seconds: float) -> dict:  # type: ignore[no-untyped-def]
    name = f"pan_zoom_{width}x{height}_{transport}"
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(SETUP.format(width=width, height=height, transport=transport))]
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
        events = drive(page, seconds)
        time.sleep(0.5)  # let the last frames land
        elapsed = time.monotonic() - t0
        s = page.evaluate(READ_STATS)
        return {
            "name": name,
            "transport": transport,
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
            "input_events": events,
            "states_sent": s["seq"] - seq0,
            "seconds": round(elapsed, 1),
        }
    finally:
        page.close()
        lab.shutdown_kernels()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seconds", type=float, default=12.0)
    ap.add_argument("--sizes", default="1280x720,1920x1080")
    ap.add_argument(
        "--transports",
        default="proxy,direct",
        help="proxy: through jupyter-server-proxy (what a JupyterHub user gets); direct: loopback WebSocket",
    )
    args = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="napari-cuda-bench-") as d:
        lab = LabServer(Path(d)).start()
        pw, browser = launch()
        try:
            for transport in args.transports.split(","):
                for size in args.sizes.split(","):
                    w, h = (int(v) for v in size.split("x"))
                    results.append(scenario(browser, lab, w, h, transport, args.seconds))
                print(json.dumps(results[-1]), file=sys.stderr)
        finally:
            browser.close()
            pw.stop()
            lab.stop()
    print(json.dumps({"scenarios": results}))


if __name__ == "__main__":
    main()
