"""`make bench`: scripted interaction in real Chromium against real JupyterLab; last line = JSON.

Scenarios (--scenarios, comma-separated; default all):
  pan_zoom    a 2048^2 numpy image, per canvas size and transport (bench_pan_zoom.py). For the
              --matrix-size canvas through the proxy: every link (--links) x prediction (--predict)
              x interaction pattern (--patterns, bench_patterns.py), --pattern-seconds each. Every other
              size and transport: loopback, prediction on, the `mixed` pattern only.
  multiscale  an OME-Zarr pyramid generated here (--pyramid-size, default 8192^2 uint16, 512 px
              chunks; or --pyramid PATH, e.g. examples/make_demo_data.py's): time to first frame
              after add_image, time to sharp after a zoom to 1:1, fps while panning at 1:1, peak
              daemon memory, chunk loads and cache from the daemon's /metrics (bench_multiscale.py);
  3d          a --volume-size^3 uint16 volume with dims.ndisplay = 3: fps while rotating (--seconds),
              then orbits with pauses for the perceived latency at gesture onsets; per link x predict.
  annotate    (not in the default list) 10,000 points (--points) over a 4096^2 image against the image
              alone: fps and m2p while panning (continuous, mixed), and with annotation the time from
              a click to the marker on screen and to the point in the kernel (bench_annotate.py).
  lazy        (not in the default list: minutes) dask arrays served by the kernel (bench_lazy.py):
              (a) a 1 TiB uint16 multiscale list of procedural dask arrays (--lazy-cost-ms per
              1024^2 block), per --lazy-cluster (off: the kernel's threads, on: a LocalCluster of 2
              workers): first frame, sharp after a zoom to 1:1, probe m2p at 1:1, --lazy-seconds of
              panning (fps, kernel/worker/daemon memory), blocks computed; (b) a --lazy-flat-gib GiB
              single-level array: add_image time, first partial frame, complete overview, peak memory.
              --lazy-parts tera,flat picks them. Quick: --scenarios lazy --lazy-seconds 15
              --lazy-flat-gib 1 --pattern-seconds 4 (a few minutes).

Links (--links; tests/support/link_relay.py): `loopback` (the page talks to the server directly),
`campus` (30 ms RTT, 50 Mbit/s each way), `remote` (80 ms RTT, 10 Mbit/s). A relayed link carries
everything between Chromium and the Jupyter server (the page, the kernel channels, the
jupyter-server-proxy view stream, the `comm` transport's relayed stream); the `direct` transport
connects to the daemon itself and so always runs on loopback. Prediction (--predict on,off) is
NAPARI_CUDA_PREDICT set in the notebook before the viewer is created.

Per pan_zoom pattern: link, predict, pattern; perceived_m2p_p50/p95_ms (input event -> first displayed
canvas pixels showing it, sampled in the page: bench_probe.py), perceived_missed (not shown within 1 s),
first_change_* (naive: input -> first changed canvas read) and onset_* (gesture onsets only);
true_m2p_p50/p95_ms (the widget's seq-matched input -> display of the first daemon frame with it), fps
and bytes_per_s (daemon frames and bytes displayed per second while interacting), max_frame_age_ms
(from the hook's frameAgeMs, null without it), still_psnr_db (still canvas vs viewer.screenshot()).
Each scenario's JSON is printed to stderr as it finishes; the last stdout line is
{"scenarios": [...]}. BENCH_PROBE_DUMP=<folder> keeps each pattern's probe log (with the page's long
animation frames and their scripts, key "loaf") and still images there (and the lazy scenario's block
logs: start, duration, pid per block call, struct "<ddq"). BENCH_TRACE=<folder> records a Chrome trace
of each pan_zoom pattern there and adds its main-thread summary (key "trace": commits and changed
canvases per second and their ms: bench_trace.py); tracing slows the page, so compare traced runs
only with traced runs.

A quick pass: bench.py --scenarios pan_zoom --sizes 1280x720 --transports proxy --links loopback,remote
--patterns continuous
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_annotate import annotate_scenario
from bench_lazy import flat_scenario, tera_scenario
from bench_multiscale import multiscale_scenario, pyramid_info, volume_scenario
from bench_pan_zoom import pan_zoom_link
from bench_patterns import PATTERNS

from support.browser import launch
from support.lab import LabServer
from support.link_relay import PROFILES, LinkProfile, LinkRelay
from support.pyramids import write_pyramid_2d


@contextlib.contextmanager
def link_url(lab: LabServer, link: LinkProfile) -> Iterator[str]:
    """The lab's URL as seen across `link` (a relay in front of the server for as long as it is used)."""
    if not link.relayed:
        yield lab.url
        return
    with LinkRelay.for_profile(link, "127.0.0.1", lab.port) as relay:
        yield f"{relay.url}{lab.base_url}"


def csv(value: str, allowed: tuple[str, ...] | None, what: str, ap: argparse.ArgumentParser) -> list[str]:
    items = [v.strip() for v in value.split(",") if v.strip()]
    unknown = set(items) - set(allowed) if allowed is not None else set()
    if unknown:
        ap.error(f"unknown {what}: {sorted(unknown)} (choose from {', '.join(allowed or ())})")
    return items


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seconds", type=float, default=12.0, help="multiscale pan and 3d rotation time")
    ap.add_argument("--pattern-seconds", type=float, default=6.0, help="time per pan_zoom pattern")
    ap.add_argument("--sizes", default="1280x720,1920x1080")
    ap.add_argument(
        "--transports",
        default="proxy,direct,comm",
        help="proxy: through jupyter-server-proxy (what a JupyterHub user gets); direct: loopback WebSocket; "
        "comm: relayed by the kernel over the widget's comm (no proxy route: Voila, VS Code, Colab)",
    )
    ap.add_argument(
        "--scenarios", default="pan_zoom,multiscale,3d", help="comma-separated: pan_zoom,multiscale,3d,lazy,annotate"
    )
    ap.add_argument("--links", default="loopback,campus,remote", help="link profiles: " + ",".join(PROFILES))
    ap.add_argument("--predict", default="on,off", help="client-side prediction: on,off")
    ap.add_argument("--patterns", default=",".join(PATTERNS), help="pan_zoom patterns: " + ",".join(PATTERNS))
    ap.add_argument("--matrix-size", default="1280x720", help="the canvas that gets links x predict x patterns")
    ap.add_argument(
        "--matrix-transports",
        default="proxy",
        help="transports that get links x predict x patterns at --matrix-size: proxy, comm (both cross a relayed "
        "link; direct dials the daemon itself)",
    )
    ap.add_argument("--pyramid-size", type=int, default=8192, help="side of the generated 2D pyramid (e.g. 16384)")
    ap.add_argument("--pyramid", type=Path, help="an existing OME-Zarr image to use instead of generating one")
    ap.add_argument("--ms-size", default="1280x720", help="canvas of the multiscale and 3d scenarios")
    ap.add_argument("--volume-size", type=int, default=256, help="side of the 3d scenario's volume")
    ap.add_argument("--points", type=int, default=10_000, help="annotate: points over the image")
    ap.add_argument("--lazy-parts", default="tera,flat", help="lazy scenario parts: tera (1 TiB multiscale), flat")
    ap.add_argument("--lazy-cluster", default="off,on", help="tera without (off) / with (on) a LocalCluster")
    ap.add_argument("--lazy-seconds", type=float, default=60.0, help="lazy: panning time at 1:1 (memory samples)")
    ap.add_argument("--lazy-cost-ms", type=float, default=20.0, help="lazy tera: cost of one 1024^2 block")
    ap.add_argument("--lazy-flat-gib", type=float, default=4.0, help="lazy flat: size of the single-level array")
    args = ap.parse_args()
    chosen = csv(args.scenarios, ("pan_zoom", "multiscale", "3d", "lazy", "annotate"), "scenarios", ap)
    lazy_parts = csv(args.lazy_parts, ("tera", "flat"), "lazy parts", ap)
    lazy_cluster = [c == "on" for c in csv(args.lazy_cluster, ("off", "on"), "lazy cluster values", ap)]
    links = [PROFILES[n] for n in csv(args.links, tuple(PROFILES), "links", ap)]
    predicts = [p == "on" for p in csv(args.predict, ("on", "off"), "predict values", ap)]
    patterns = csv(args.patterns, PATTERNS, "patterns", ap)
    transports = csv(args.transports, ("proxy", "direct", "comm"), "transports", ap)
    matrix_transports = csv(args.matrix_transports, ("proxy", "comm"), "matrix transports", ap)
    sizes = [tuple(int(v) for v in s.split("x")) for s in csv(args.sizes, None, "sizes", ap)]
    matrix = tuple(int(v) for v in args.matrix_size.split("x"))
    mw, mh = (int(v) for v in args.ms_size.split("x"))
    results = []

    def done(result: dict) -> None:
        results.append(result)
        print(json.dumps(result), file=sys.stderr, flush=True)

    with tempfile.TemporaryDirectory(prefix="napari-cuda-bench-") as d:
        tmp = Path(d)
        lab = LabServer(tmp).start()
        pw, browser = launch()
        try:
            if "pan_zoom" in chosen:
                for transport in transports:
                    for w, h in sizes:
                        full = transport in matrix_transports and (w, h) == matrix
                        for link in links if full else [PROFILES["loopback"]]:
                            # One browser context per link: its pages share the HTTP cache, as one user's would.
                            context = browser.new_context(viewport={"width": w + 400, "height": h + 500})
                            try:
                                with link_url(lab, link) as url:
                                    for predict in predicts if full else [True]:
                                        pan_zoom_link(
                                            context,
                                            lab,
                                            url,
                                            (w, h),
                                            transport,
                                            link,
                                            predict,
                                            patterns if full else ["mixed"],
                                            args.pattern_seconds,
                                            tmp,
                                            done,
                                        )
                            finally:
                                context.close()
            if "multiscale" in chosen:
                if args.pyramid is not None:
                    pyramid = pyramid_info(args.pyramid.resolve())
                else:
                    # Written here, not first: its disk writeback would slow the scenarios before it.
                    pyramid = write_pyramid_2d(tmp / "pyramid.ome.zarr", args.pyramid_size)
                    os.sync()
                    print(f"wrote a {args.pyramid_size}^2 pyramid in {pyramid['seconds']:.1f} s", file=sys.stderr)
                done(multiscale_scenario(browser, lab, pyramid, mw, mh, args.seconds))
            if "3d" in chosen:
                for link in links:
                    context = browser.new_context(viewport={"width": mw + 400, "height": mh + 500})
                    try:
                        with link_url(lab, link) as url:
                            for predict in predicts:
                                done(
                                    volume_scenario(
                                        context, lab, url, link, predict, args.volume_size, mw, mh, args.seconds, tmp
                                    )
                                )
                    finally:
                        context.close()
            if "annotate" in chosen:
                for result in annotate_scenario(browser, lab, mw, mh, args.points, args.pattern_seconds, tmp):
                    done(result)
            if "lazy" in chosen:
                # Each part in its own kernel: one that fails is reported and the next still runs.
                runs = [
                    (
                        f"lazy_tera_{'cluster' if c else 'threads'}",
                        lambda c=c: tera_scenario(
                            browser, lab, tmp, mw, mh, c, args.lazy_cost_ms, args.lazy_seconds, args.pattern_seconds
                        ),
                    )
                    for c in (lazy_cluster if "tera" in lazy_parts else [])
                ]
                if "flat" in lazy_parts:
                    runs.append(("lazy_flat", lambda: flat_scenario(browser, lab, tmp, mw, mh, args.lazy_flat_gib)))
                for name, run in runs:
                    try:
                        done(run())
                    except Exception as err:  # a bench keeps going and says what failed
                        done({"name": name, "error": f"{type(err).__name__}: {err}"[:2000]})
        finally:
            browser.close()
            pw.stop()
            lab.stop()
    print(json.dumps({"scenarios": results}))


if __name__ == "__main__":
    main()
