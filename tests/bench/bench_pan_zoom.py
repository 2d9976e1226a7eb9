"""The 2D pan/zoom scenario over an emulated link: interaction patterns, perceived and true latency,
fps, bytes, frame age, and the still view against `viewer.screenshot()`.

One notebook (one kernel, viewer and daemon) per (canvas size, transport, link, predict); the
patterns run one after another on it, each from viewer.reset_view() on a still view.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import bench_trace
import numpy as np
from bench_common import READ_STATS, frame_stats, memory_fields, pct, viewer_info, write_notebook
from bench_patterns import drive
from bench_probe import MISS_MS, perceived_fields, start_probe, take_probe

from support.browser import canvas_rgba, open_notebook, psnr, run_all_cells, settle, wait_frames
from support.lab import LabServer, run_code
from support.link_relay import LinkProfile

SETUP = """\
import os
os.environ["NAPARI_CUDA_TRANSPORT"] = "{transport}"
os.environ["NAPARI_CUDA_PREDICT"] = "{predict}"
import numpy as np
import napari_cuda
rng = np.random.default_rng(1)
yy, xx = np.mgrid[0:2048, 0:2048]
img = (np.sin(xx / 37.0) * np.cos(yy / 23.0) * 1000 + 2000 + rng.normal(0, 100, (2048, 2048))).astype(np.uint16)
viewer = napari_cuda.Viewer(width={width}, height={height})
viewer.add_image(img, colormap="viridis", contrast_limits=(800, 3200))
viewer
"""

# Frame ages (ms from the daemon's capture to display) are a field another part of the widget adds;
# null until it exists.
READ_AGES = "() => { const a = globalThis.__napariCuda.views[0].frameAgeMs; return Array.isArray(a) ? [...a] : null; }"
READ_CAMERA = "() => globalThis.__napariCuda.views[0].camera"
KERNEL_CAMERA = "import json; print(json.dumps({'center': list(viewer.camera.center), 'zoom': viewer.camera.zoom}))"


def link_fields(link: LinkProfile, predict: bool) -> dict:
    return {
        "link": link.name,
        "link_rtt_ms": link.rtt_ms,
        "link_rate_mbps": None if link.rate_bps is None else link.rate_bps / 1e6,
        "predict": predict,
    }


def wait_still(page, quiet: float = 1.5, timeout: float = 30) -> bool:  # type: ignore[no-untyped-def]
    """Until no daemon frame came for `quiet` seconds; False if frames kept coming for `timeout`."""
    try:
        settle(page, quiet=quiet, timeout=timeout)
    except TimeoutError:
        return False
    return True


READ_PREDICTED = "() => { const v = globalThis.__napariCuda.views[0]; return [v.predicted ?? 0, v.uncovered ?? 0]; }"


def uncovered_fields(before: list[int], after: list[int]) -> dict:
    """Predicted draws in the pattern, and the % of them that left black at an edge (beyond the overscan)."""
    predicted = after[0] - before[0]
    uncovered = after[1] - before[1]
    return {
        "predicted_draws": predicted,
        "uncovered_pct": round(100 * uncovered / predicted, 1) if predicted > 0 else None,
    }


def cameras_agree(page, kc, timeout: float = 5) -> bool:  # type: ignore[no-untyped-def]
    """Until the kernel holds the view's camera (its throttled writes have crossed the link)."""
    deadline = time.monotonic() + timeout
    while True:
        view = page.evaluate(READ_CAMERA)
        kern = json.loads(run_code(kc, KERNEL_CAMERA))
        a = np.array([*view["center"][-2:], view["zoom"]])
        b = np.array([*kern["center"][-2:], kern["zoom"]])
        if np.allclose(a, b, rtol=1e-6, atol=1e-6):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.2)


def still_fields(page, kc, tmp: Path) -> dict:  # type: ignore[no-untyped-def]
    """Once the view is still: PSNR (RGB) of the displayed canvas against viewer.screenshot()."""
    notes = []
    if not wait_still(page):
        notes.append("frames kept arriving for 30 s")
    if not cameras_agree(page, kc):
        notes.append("the kernel's camera differs from the view's")
    canvas = canvas_rgba(page)
    f = tmp / "still.npy"
    run_code(kc, f"import numpy as _np; _np.save({str(f)!r}, viewer.screenshot())", timeout=120)
    shot = np.load(f)
    if shot.shape[:2] != canvas.shape[:2]:
        from PIL import Image

        notes.append(
            f"screenshot {shot.shape[1]}x{shot.shape[0]} resized to the canvas {canvas.shape[1]}x{canvas.shape[0]}"
        )
        shot = np.asarray(Image.fromarray(shot).resize((canvas.shape[1], canvas.shape[0]), Image.BILINEAR))
    value = psnr(canvas, shot)
    if os.environ.get("BENCH_PROBE_DUMP"):
        from PIL import Image

        stamp = f"{time.time():.0f}"
        Image.fromarray(canvas).save(Path(os.environ["BENCH_PROBE_DUMP"]) / f"still-{stamp}-canvas.png")
        Image.fromarray(shot).save(Path(os.environ["BENCH_PROBE_DUMP"]) / f"still-{stamp}-shot.png")
    return {"still_psnr_db": None if value == float("inf") else round(value, 2), "still_note": "; ".join(notes) or None}


# Chromium's Long Animation Frames (frames over 50 ms) with their scripts: where the page's main thread
# went when the probe saw a late picture (BENCH_PROBE_DUMP only).
LOAF_START = """() => {
  const out = (globalThis.__ncLoaf = []);
  globalThis.__ncLoafObs?.disconnect();
  const obs = (globalThis.__ncLoafObs = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) out.push({
      t: e.startTime, dur: e.duration, blocking: e.blockingDuration, render: e.renderStart,
      style: e.styleAndLayoutStart,
      scripts: e.scripts.map((s) => ({t: s.startTime, dur: s.duration, invoker: s.invoker,
        fn: s.sourceFunctionName, url: s.sourceURL.split('/').pop(), layout: s.forcedStyleAndLayoutDuration})),
    });
  }));
  obs.observe({type: 'long-animation-frame', buffered: false});
}"""
LOAF_TAKE = "() => { globalThis.__ncLoafObs?.disconnect(); return globalThis.__ncLoaf ?? []; }"


def run_pattern(page, kc, pattern: str, seconds: float, tmp: Path, match: bool = True) -> dict:  # type: ignore[no-untyped-def]
    """reset_view, wait still, then drive `pattern` with the probe on; the pattern's fields."""
    run_code(kc, "viewer.reset_view()")
    # 1.5 s: on a 10 Mbit/s link the 4:4:4 still (sent 600 ms into a rest) takes ~0.5 s to arrive.
    wait_still(page, quiet=1.5)
    page.evaluate("() => globalThis.__napariCuda.views[0].reset()")
    ages0 = page.evaluate(READ_AGES)
    seq0 = page.evaluate("() => globalThis.__napariCuda.views[0].seq")
    pred0 = page.evaluate(READ_PREDICTED)
    dumping = bool(os.environ.get("BENCH_PROBE_DUMP"))
    if dumping:
        page.evaluate(LOAF_START)
    start_probe(page, match)
    tracing = os.environ.get("BENCH_TRACE")
    trace = bench_trace.start(page, Path(tracing), pattern) if tracing else None
    d = drive(page, pattern, seconds, mark=trace is not None)
    traced = bench_trace.stop(page, trace) if trace is not None else None
    time.sleep(MISS_MS / 1000 + 0.2)  # the last inputs are seen or missed
    log = take_probe(page)
    if dumping:  # a folder: keep each probe log (and the page's long animation frames) for a closer look
        dump = Path(os.environ["BENCH_PROBE_DUMP"])
        dump.mkdir(parents=True, exist_ok=True)
        loafs = page.evaluate(LOAF_TAKE)
        (dump / f"probe-{pattern}-{time.time():.0f}.json").write_text(json.dumps({**log, "drive": d, "loaf": loafs}))
    s = page.evaluate(READ_STATS)
    ages = page.evaluate(READ_AGES)
    if ages is not None and ages0 is not None and len(ages) >= len(ages0):
        ages = ages[len(ages0) :]
    elapsed = d["ms"] / 1000
    rest = frame_stats(s, elapsed)
    return {
        "pattern": pattern,
        **perceived_fields(log, match, d["end"] + MISS_MS),
        "true_m2p_p50_ms": rest.pop("m2p_p50_ms"),
        "true_m2p_p95_ms": rest.pop("m2p_p95_ms"),
        "fps": round(d["frames"] / elapsed, 1),
        "bytes_per_s": round(d["bytes"] / elapsed),
        "max_frame_age_ms": None if not ages else round(max(ages), 1),
        "frame_age_p50_ms": pct(ages, 50) if ages else None,
        "frame_age_p95_ms": pct(ages, 95) if ages else None,
        # Where in the pattern the oldest frame came (index among the frames shown, of how many).
        "max_frame_age_at": None if not ages else f"{ages.index(max(ages))}/{len(ages)}",
        **still_fields(page, kc, tmp),
        **{k: v for k, v in rest.items() if k not in ("fps", "bytes_per_s")},
        "input_events": d["events"],
        "states_sent": s["seq"] - seq0,
        **uncovered_fields(pred0, page.evaluate(READ_PREDICTED)),
        "seconds": round(elapsed, 1),
        **({"trace": traced} if traced is not None else {}),
    }


def pan_zoom_link(  # type: ignore[no-untyped-def]
    context,
    lab: LabServer,
    url: str,
    size: tuple[int, int],
    transport: str,
    link: LinkProfile,
    predict: bool,
    patterns: list[str],
    seconds: float,
    tmp: Path,
    done,
) -> None:
    """Open the 2048^2 image at `url` (the lab, or a relay in front of it) and run each pattern; calls
    done(result) per pattern."""
    width, height = size
    base = f"pan_zoom_{width}x{height}_{transport}"
    nb = write_notebook(
        lab,
        f"{base}_{link.name}_{'p' if predict else 'np'}",
        SETUP.format(width=width, height=height, transport=transport, predict=int(predict)),
    )
    page = context.new_page()
    kc = None
    try:
        t0 = time.monotonic()
        open_notebook(page, url, lab.token, nb)
        run_all_cells(page)
        wait_frames(page, 1, timeout=180)
        opened = time.monotonic() - t0
        kc = lab.kernel_client(nb)
        info = viewer_info(kc)
        # What the view applies (the hook's `predict`; null from a widget without it).
        applied = page.evaluate("() => globalThis.__napariCuda.views[0].predict ?? null")
        used = page.evaluate("() => globalThis.__napariCuda.views[0].transport")
        if used != transport:
            raise AssertionError(f"{base}: the view streams over {used!r}, not the {transport!r} transport asked for")
        for pattern in patterns:
            result = run_pattern(page, kc, pattern, seconds, tmp)
            done(
                {
                    "name": f"{base}_{link.name}_{'predict' if predict else 'nopredict'}_{pattern}",
                    "transport": transport,
                    "width": width,
                    "height": height,
                    **link_fields(link, predict),
                    "view_predict": applied,
                    "backend": info.get("backend"),
                    "encoder": info.get("encoder"),
                    "page_to_first_frame_s": round(opened, 1),
                    **result,
                    **memory_fields(int(info["pid"])),
                }
            )
    finally:
        if kc is not None:
            kc.stop_channels()
        page.close()
        lab.shutdown_kernels()
