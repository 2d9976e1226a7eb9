"""The `lazy` benchmark scenario: dask arrays served by the kernel (issue 13), in real JupyterLab + Chromium.

(a) `tera`: a 1 TiB uint16 multiscale list of dask arrays (level 0 2**19 x 2**20, coarser levels down
    to 1024 x 2048, 1024^2 blocks from map_blocks over a procedural function costing `cost_ms`, 20 ms
    by default), with the kernel's threads and with a dask.distributed LocalCluster of 2 workers:
    add_image return time, first frame (and first frame with data) and complete view, a zoom to 1:1
    (first level-0 frame, sharp frame), perceived m2p p50 while dragging at 1:1 (the probe,
    bench_probe.py, `continuous` pattern), then `--lazy-seconds` of panning onward across new blocks
    (bench_lazy_parts.py's drift, ~1000 px/s): fps and resident memory of the kernel, workers and daemon sampled
    every second (is the kernel flat?). Blocks computed per phase (counted by the block function
    itself), their mean cost, the pids that ran them, and the kernel's LazyImage.stats.
(b) `flat`: a single-level uint16 dask array of `--lazy-flat-gib` GiB (4 by default; 1024^2 blocks
    of procedural data, no sleep): add_image return time, first partial frame (some computed data on
    the canvas), complete overview (every block reduced into the coarse level), peak memory (VmHWM)
    of the kernel and the daemon, blocks computed (each once is ideal).

Times are end to end, from the kernel's time.time() before add_image to the page's display time
of the frame (same clock: bench_recorder.py).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

from bench_common import cache_fields, daemon_metrics, memory_fields, proc_status_kb, viewer_info
from bench_lazy_parts import (
    CLUSTER_CODE,
    KERNEL_CODE,
    LAZY_STATS,
    BlockLog,
    CoverRecorder,
    MemorySampler,
    complete_cover,
    drift,
    layer_meta,
    shows_data,
)
from bench_multiscale import open_empty_viewer, wait_idle
from bench_pan_zoom import wait_still
from bench_patterns import drive
from bench_probe import MISS_MS, perceived_fields, start_probe, take_probe
from bench_recorder import at_level0, sharp, shows_layer

from support.lab import LabServer, run_code

CONTRAST = (0, 4000)


def _ms(t: float, since: float) -> float:
    return round(t - since, 1)


def _add_image(kc, expr: str) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Run `layer = viewer.add_image(<expr>)`; the kernel's time.time() before and after."""
    out = run_code(
        kc,
        f"_t0 = time.time(); layer = viewer.add_image({expr}, contrast_limits={CONTRAST}, colormap='gray')"
        "\n_t1 = time.time()\nimport json; print(json.dumps([_t0, _t1]))",
        timeout=300,
    )
    t0, t1 = json.loads(out)
    return t0, t1


def _lazy_stats(kc) -> dict | None:  # type: ignore[no-untyped-def]
    try:
        return json.loads(run_code(kc, LAZY_STATS.format(layer="layer")))
    except RuntimeError:
        return None


def _peaks(kernel_pid: int, daemon_pid: int) -> dict:
    kib = [proc_status_kb(kernel_pid, "VmHWM"), proc_status_kb(daemon_pid, "VmHWM")]
    return {
        "kernel_peak_rss_mb": None if kib[0] is None else round(kib[0] / 1024, 1),
        "daemon_peak_rss_mb": None if kib[1] is None else round(kib[1] / 1024, 1),
    }


def _keep(log: BlockLog) -> None:
    """With BENCH_PROBE_DUMP=<folder>, keep the block log there (start, duration, pid per call)."""
    dump = os.environ.get("BENCH_PROBE_DUMP")
    if dump and log.path.exists():
        Path(dump).mkdir(parents=True, exist_ok=True)
        shutil.copy(log.path, Path(dump) / log.path.name)


def _prefixed(prefix: str, d: dict) -> dict:
    return {f"{prefix}{k}": v for k, v in d.items()}


def tera_scenario(  # type: ignore[no-untyped-def]
    browser,
    lab: LabServer,
    tmp: Path,
    width: int,
    height: int,
    cluster: bool,
    cost_ms: float,
    pan_s: float,
    probe_s: float,
) -> dict:
    """(a): the 1 TiB multiscale list, with the kernel's threads or a LocalCluster of 2 workers."""
    name = f"lazy_tera_{'cluster' if cluster else 'threads'}_{width}x{height}"
    log = BlockLog(tmp / f"{name}.blocks")
    page, kc = open_empty_viewer(browser, lab, name, width, height)
    try:
        run_code(kc, KERNEL_CODE.format(log=str(log.path)))
        workers = int(run_code(kc, CLUSTER_CODE.format(threads=4), timeout=180)) if cluster else 0
        run_code(kc, f"levels = tera_levels({cost_ms / 1000})")
        info = viewer_info(kc)
        daemon_pid, kernel_pid = int(info["pid"]), int(run_code(kc, "print(os.getpid())"))
        shapes = json.loads(run_code(kc, "print(json.dumps([list(a.shape) for a in levels]))"))
        rec = CoverRecorder(page)
        n0 = log.count()
        t0, t1 = _add_image(kc, "levels, multiscale=True, name='tera'")
        opened = rec.page_ms(t0)
        first = rec.wait(shows_layer, opened)
        first_data = rec.wait(shows_data, opened, timeout=120)
        full = rec.wait(complete_cover, opened, timeout=300)
        wait_idle(page)
        n_open = log.count()
        full_level = int(run_code(kc, "print(layer.data_level)"))

        t_zoom = float(run_code(kc, "_t0 = time.time(); viewer.camera.zoom = 1.0; print(_t0)"))
        zoomed = rec.page_ms(t_zoom)
        level0 = rec.wait(at_level0, zoomed, timeout=120)
        sharp_at = rec.wait(sharp, zoomed, timeout=300)
        wait_idle(page)
        n_zoom = log.count()
        level_after_zoom = int(run_code(kc, "print(layer.data_level)"))
        rec.stop()

        # Perceived m2p at 1:1: a circle drag of radius 0.2 * min(w, h) stays over computed blocks.
        wait_still(page, quiet=1.5)
        page.evaluate("() => globalThis.__napariCuda.views[0].reset()")
        start_probe(page, True)
        d = drive(page, "continuous", probe_s)
        time.sleep(MISS_MS / 1000 + 0.2)
        probe = perceived_fields(take_probe(page), True, d["end"] + MISS_MS)
        wait_idle(page, timeout=120)
        n_probe = log.count()

        # Drift across new blocks at 1:1 for pan_s, memory sampled every second.
        with MemorySampler(kernel_pid, daemon_pid) as mem:
            pan = drift(page, pan_s)
        n_pan = log.count()
        wait_idle(page, timeout=120)
        metrics = daemon_metrics(kc)
        stats = _lazy_stats(kc)
        on_workers = None
        if cluster:
            pids = log.summary()["pids"]
            on_workers = sum(n for pid, n in pids.items() if pid != kernel_pid)
        return {
            "name": name,
            "cluster_workers": workers,
            "level_shapes": shapes,
            "level0_tib": round(shapes[0][0] * shapes[0][1] * 2 / 2**40, 3),
            "block_cost_ms": cost_ms,
            "width": width,
            "height": height,
            "add_image_s": round(t1 - t0, 3),
            "first_frame_ms": _ms(first, opened),
            "first_data_frame_ms": _ms(first_data, opened),
            "first_complete_ms": _ms(full, opened),
            "full_view_level": full_level,
            "zoom_level0_frame_ms": _ms(level0, zoomed),
            "zoom_sharp_ms": _ms(sharp_at, zoomed),
            "level_after_zoom": level_after_zoom,
            **_prefixed("open_", log.summary(n0, n_open)),
            **_prefixed("zoom_", log.summary(n_open, n_zoom)),
            "probe_pattern": "continuous",
            "probe_fps": round(d["frames"] / (d["ms"] / 1000), 1),
            **_prefixed("probe_", {k: v for k, v in probe.items() if k.startswith(("perceived", "onset"))}),
            **_prefixed("probe_", log.summary(n_zoom, n_probe)),
            **_prefixed("pan_", pan),
            **_prefixed("pan_", log.summary(n_probe, n_pan)),
            "pan_seconds": pan_s,
            **mem.fields("pan_"),
            "blocks_total": log.count() - n0,
            "blocks_on_workers": on_workers,
            "lazy_stats": stats,
            "kernel_compute_ms_per_chunk": round(1000 * stats["compute_s"] / stats["chunks"], 1)
            if stats and stats.get("chunks")
            else None,
            **memory_fields(daemon_pid),
            **_peaks(kernel_pid, daemon_pid),
            **cache_fields(metrics),
        }
    finally:
        _keep(log)
        if cluster:
            try:
                run_code(kc, "client.close(); cluster.close()", timeout=60)
            except Exception:
                pass
        kc.stop_channels()
        page.close()
        lab.shutdown_kernels()


def flat_scenario(browser, lab: LabServer, tmp: Path, width: int, height: int, gib: float) -> dict:  # type: ignore[no-untyped-def]
    """(b): a single-level array of `gib` GiB (2:1, 1024^2 blocks): open, first partial frame, complete
    overview, peak memory."""
    ny = max(1024, int(round((gib * 2**30 / 2 / 2) ** 0.5 / 1024)) * 1024)
    nx = 2 * ny
    name = f"lazy_flat_{ny}x{nx}_{width}x{height}"
    log = BlockLog(tmp / f"{name}.blocks")
    page, kc = open_empty_viewer(browser, lab, name, width, height)
    try:
        run_code(kc, KERNEL_CODE.format(log=str(log.path)))
        run_code(kc, f"flat = flat_array({ny}, {nx}, 0.0)")
        info = viewer_info(kc)
        daemon_pid, kernel_pid = int(info["pid"]), int(run_code(kc, "print(os.getpid())"))
        rss0 = _peaks(kernel_pid, daemon_pid)
        rec = CoverRecorder(page)
        with MemorySampler(kernel_pid, daemon_pid, interval=0.5) as mem:
            t0, t1 = _add_image(kc, "flat, name='flat'")
            opened = rec.page_ms(t0)
            first = rec.wait(lambda m, f: layer_meta(m) is not None, opened, timeout=120)
            partial = rec.wait(shows_data, opened, timeout=300)
            full = rec.wait(complete_cover, opened, timeout=1800)
        rec.stop()
        covers = [e["cover"] for e in rec.events if e["k"] == "frame" and e["t"] >= opened]
        wait_idle(page, timeout=120)
        levels = json.loads(run_code(kc, "print(json.dumps([list(map(int, s)) for s in layer.level_shapes]))"))
        data_level = int(run_code(kc, "print(layer.data_level)"))
        metrics = daemon_metrics(kc)
        blocks = log.summary()
        return {
            "name": name,
            "shape": [ny, nx],
            "gib": round(ny * nx * 2 / 2**30, 2),
            "blocks_in_array": (ny // 1024) * (nx // 1024),
            "level_shapes": levels,
            "width": width,
            "height": height,
            "add_image_s": round(t1 - t0, 3),
            "first_frame_ms": _ms(first, opened),
            "first_partial_frame_ms": _ms(partial, opened),
            "complete_overview_ms": _ms(full, opened),
            "overview_level": data_level,
            "frames_while_filling": len(covers),
            "blocks_computed": blocks["blocks"],
            "block_ms_mean": blocks["block_ms_mean"],
            "lazy_stats": _lazy_stats(kc),
            "kernel_peak_rss_before_mb": rss0["kernel_peak_rss_mb"],
            **_peaks(kernel_pid, daemon_pid),
            **{k: v for k, v in mem.fields("sampled_").items() if "peak" in k},
            **cache_fields(metrics),
        }
    finally:
        _keep(log)
        kc.stop_channels()
        page.close()
        lab.shutdown_kernels()
