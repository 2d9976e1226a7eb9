"""`make bench`: scripted interaction in real Chromium against real JupyterLab; last line = JSON.

Scenarios (--scenarios, comma-separated; default all):
  pan_zoom    a 2048^2 numpy image per canvas size and transport: >= 10 s of drags and wheel zooms
              at ~60 input events/s, read from the widget's per-frame statistics
              (globalThis.__napariCuda, see src/widget/instrument/stats.ts);
  multiscale  an OME-Zarr pyramid generated here (--pyramid-size, default 8192^2 uint16, 512 px
              chunks; or --pyramid PATH, e.g. examples/make_demo_data.py's): time to first frame
              after add_image, time to sharp after a zoom to 1:1, fps while panning at 1:1, peak
              daemon memory, chunk loads and cache from the daemon's /metrics (bench_multiscale.py);
  3d          a --volume-size^3 uint16 volume with dims.ndisplay = 3: fps while rotating.
Each scenario's JSON is printed to stderr as it finishes; the last stdout line is
{"scenarios": [...]}.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_common import READ_STATS, frame_stats, memory_fields, viewer_info, write_notebook
from bench_multiscale import multiscale_scenario, pyramid_info, volume_scenario

from support.browser import launch, open_notebook, run_all_cells, wait_frames
from support.lab import LabServer
from support.pyramids import write_pyramid_2d

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
    nb = write_notebook(lab, name, SETUP.format(width=width, height=height, transport=transport))
    page = browser.new_page(viewport={"width": width + 400, "height": height + 500})
    try:
        open_notebook(page, lab.url, lab.token, nb)
        run_all_cells(page)
        wait_frames(page, 1, timeout=90)
        kc = lab.kernel_client(nb)
        info = viewer_info(kc)
        page.evaluate("() => globalThis.__napariCuda.views[0].reset()")
        seq0 = page.evaluate("() => globalThis.__napariCuda.views[0].seq")
        t0 = time.monotonic()
        events = drive(page, seconds)
        time.sleep(0.5)  # let the last frames land
        elapsed = time.monotonic() - t0
        s = page.evaluate(READ_STATS)
        memory = memory_fields(int(info["pid"]))
        kc.stop_channels()
        return {
            "name": name,
            "transport": transport,
            "width": width,
            "height": height,
            "backend": info.get("backend"),
            "encoder": info.get("encoder"),
            **frame_stats(s, elapsed),
            "input_events": events,
            "states_sent": s["seq"] - seq0,
            "seconds": round(elapsed, 1),
            **memory,
        }
    finally:
        page.close()
        lab.shutdown_kernels()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=12.0)
    ap.add_argument("--sizes", default="1280x720,1920x1080")
    ap.add_argument(
        "--transports",
        default="proxy,direct",
        help="proxy: through jupyter-server-proxy (what a JupyterHub user gets); direct: loopback WebSocket",
    )
    ap.add_argument("--scenarios", default="pan_zoom,multiscale,3d", help="comma-separated: pan_zoom,multiscale,3d")
    ap.add_argument("--pyramid-size", type=int, default=8192, help="side of the generated 2D pyramid (e.g. 16384)")
    ap.add_argument("--pyramid", type=Path, help="an existing OME-Zarr image to use instead of generating one")
    ap.add_argument("--ms-size", default="1280x720", help="canvas of the multiscale and 3d scenarios")
    ap.add_argument("--volume-size", type=int, default=256, help="side of the 3d scenario's volume")
    args = ap.parse_args()
    chosen = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = set(chosen) - {"pan_zoom", "multiscale", "3d"}
    if unknown:
        ap.error(f"unknown scenarios: {sorted(unknown)}")
    mw, mh = (int(v) for v in args.ms_size.split("x"))
    results = []

    def done(result: dict) -> None:
        results.append(result)
        print(json.dumps(result), file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="napari-cuda-bench-") as d:
        lab = LabServer(Path(d)).start()
        pw, browser = launch()
        try:
            if "pan_zoom" in chosen:
                for transport in args.transports.split(","):
                    for size in args.sizes.split(","):
                        w, h = (int(v) for v in size.split("x"))
                        done(scenario(browser, lab, w, h, transport, args.seconds))
            if "multiscale" in chosen:
                if args.pyramid is not None:
                    pyramid = pyramid_info(args.pyramid.resolve())
                else:
                    # Written here, not first: its disk writeback would slow the scenarios before it.
                    pyramid = write_pyramid_2d(Path(d) / "pyramid.ome.zarr", args.pyramid_size)
                    os.sync()
                    print(f"wrote a {args.pyramid_size}^2 pyramid in {pyramid['seconds']:.1f} s", file=sys.stderr)
                done(multiscale_scenario(browser, lab, pyramid, mw, mh, args.seconds))
            if "3d" in chosen:
                done(volume_scenario(browser, lab, args.volume_size, mw, mh, args.seconds))
        finally:
            browser.close()
            pw.stop()
            lab.stop()
    print(json.dumps({"scenarios": results}))


if __name__ == "__main__":
    main()
