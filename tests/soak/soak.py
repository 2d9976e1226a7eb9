"""`make soak`: fault injection against a real JupyterLab + Chromium + kernels + daemons; ONE JSON line.

Scenarios (the e2e tests in tests/e2e/test_recovery.py run one round of each but the stall):
  daemon_kill     kill -9 the daemon of a streaming view (--rounds times): reconnect, same picture,
                  the kernel's viewer still drives it, the old encoders end. Target 2 s.
  ffmpeg_kill     kill -9 the busiest ffmpeg of a moving view (--rounds times): frames resume from a
                  fresh encoder (a keyframe). Target 1 s.
  kernel_kill     SIGKILL a kernel with a scratch pyramid: daemon + encoders exit (target 3 s); the
                  restarted kernel sweeps the dead kernel's scratch directory.
  stalled_client  a client through jupyter-server-proxy that never reads, for --stall-seconds: daemon
                  RSS bounded, the page's view keeps at least half its frame rate.
  page_reload     reload mid-stream (--rounds times): the new view streams, the old one is closed
                  in the daemon and its encoders end.
  multi_view      one viewer in two outputs and a second tab: a drag moves all; closing the tab and
                  an output leaves the last view streaming.
  hostile         tests/soak/hostile.py's run(), when that module exists.

Output: {"faults_injected", "recoveries", "worst_recovery_s", "rss_start_mb", "rss_end_mb", "orphans",
"crashes", "scenarios": {name: result}}; each result has "name", "faults", "recoveries",
"worst_recovery_s", "crashes", "orphans", "notes" and scenario fields. rss_*_mb: the daemon under
the stalled client, at its start and end. Progress goes to stderr. `--quick`: 1 round, 20 s stall.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from stall import stalled_client  # noqa: E402

from support.browser import launch  # noqa: E402
from support.lab import LabServer  # noqa: E402
from support.recovery import result  # noqa: E402
from support.recovery_faults import daemon_kill, ffmpeg_kill, kernel_kill, kernel_kill_cells  # noqa: E402
from support.recovery_procs import ProcessWatch  # noqa: E402
from support.recovery_session import NotebookSession  # noqa: E402
from support.recovery_views import multi_view, page_reload  # noqa: E402

SCENARIOS = ("daemon_kill", "ffmpeg_kill", "kernel_kill", "stalled_client", "page_reload", "multi_view", "hostile")


def log(msg: str) -> None:
    print(f"[soak {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def guarded(name: str, run: Callable[[], dict], watch: ProcessWatch) -> dict:
    """run(); an exception becomes a failed result (counted as an unrecovered fault). Daemons and
    encoders left without their starter 5 s after it are orphans of this scenario (then killed)."""
    t0 = time.monotonic()
    log(f"{name} ...")
    try:
        res = run()
    except Exception as exc:
        res = result(name, faults=1, notes=[f"{type(exc).__name__}: {exc}", traceback.format_exc()[-2000:]])
    left = watch.reap(timeout=5)
    if left:
        res["orphans"] = int(res.get("orphans", 0)) + len(left)
        res.setdefault("notes", []).append(f"orphans: {left}")
    res["seconds"] = round(time.monotonic() - t0, 1)
    log(f"{name}: {json.dumps(res, default=str)[:600]}")
    return res


def hostile() -> dict:
    """H7's hostile-input soak (tests/soak/hostile.py: run() -> result dict), if present."""
    path = HERE / "hostile.py"
    if not path.exists():
        return result("hostile", notes=["tests/soak/hostile.py not present"])
    spec = importlib.util.spec_from_file_location("soak_hostile", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.run()


# The recovery targets (seconds), reported next to each scenario's worst time.
TARGETS_S = {"daemon_kill": 2.0, "ffmpeg_kill": 1.0, "kernel_kill": 3.0}


def aggregate(results: dict[str, dict], final_orphans: list[dict]) -> dict:
    for name, target in TARGETS_S.items():
        r = results.get(name)
        if r is not None:
            r["target_s"] = target
            r["within_target"] = r.get("worst_recovery_s") is not None and r["worst_recovery_s"] <= target
    worst = [r["worst_recovery_s"] for r in results.values() if r.get("worst_recovery_s") is not None]
    stall = results.get("stalled_client", {})
    return {
        "faults_injected": sum(int(r.get("faults", 0)) for r in results.values()),
        "recoveries": sum(int(r.get("recoveries", 0)) for r in results.values()),
        "worst_recovery_s": max(worst) if worst else None,
        "rss_start_mb": stall.get("rss_start_mb"),
        "rss_end_mb": stall.get("rss_end_mb"),
        "orphans": sum(int(r.get("orphans", 0)) for r in results.values()) + len(final_orphans),
        "crashes": sum(int(r.get("crashes", 0)) for r in results.values()),
        "scenarios": results,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=3, help="rounds of daemon_kill, ffmpeg_kill and page_reload")
    ap.add_argument("--stall-seconds", type=float, default=60.0)
    ap.add_argument("--scenarios", default=",".join(SCENARIOS))
    ap.add_argument("--quick", action="store_true", help="1 round, a 20 s stall")
    args = ap.parse_args()
    rounds, stall_s = (1, 20.0) if args.quick else (args.rounds, args.stall_seconds)
    chosen = [c.strip() for c in args.scenarios.split(",") if c.strip()]
    unknown = set(chosen) - set(SCENARIOS)
    if unknown:
        ap.error(f"unknown scenarios {sorted(unknown)}; choose from {', '.join(SCENARIOS)}")
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="napari-cuda-soak-") as d:
        tmp = Path(d)
        scratch = tmp / "scratch"
        scratch.mkdir()
        os.environ["NAPARI_CUDA_SCRATCH_DIR"] = str(scratch)  # the lab's kernels inherit it
        lab = LabServer(tmp / "lab")
        lab.root.mkdir()
        lab.start()
        assert lab.proc is not None
        watch = ProcessWatch(lab.proc.pid)
        pw, browser = launch()
        final_orphans: list[dict] = []
        try:
            if {"daemon_kill", "ffmpeg_kill"} & set(chosen):
                s = NotebookSession(lab, browser, "soak_faults")
                try:
                    if "daemon_kill" in chosen:
                        results["daemon_kill"] = guarded("daemon_kill", lambda: daemon_kill(s, watch, rounds), watch)
                    if "ffmpeg_kill" in chosen:
                        results["ffmpeg_kill"] = guarded("ffmpeg_kill", lambda: ffmpeg_kill(s, watch, rounds), watch)
                finally:
                    s.close()
            if "kernel_kill" in chosen:

                def kill_kernel() -> dict:
                    k = NotebookSession(lab, browser, "soak_kernel", cells=kernel_kill_cells())
                    try:
                        return kernel_kill(k, watch, scratch)
                    finally:
                        k.close()

                results["kernel_kill"] = guarded("kernel_kill", kill_kernel, watch)
            if "stalled_client" in chosen:
                results["stalled_client"] = guarded(
                    "stalled_client", lambda: stalled_client(lab, browser, watch, stall_s), watch
                )
            if "page_reload" in chosen:
                results["page_reload"] = guarded("page_reload", lambda: page_reload(lab, browser, watch, rounds), watch)
            if "multi_view" in chosen:
                results["multi_view"] = guarded("multi_view", lambda: multi_view(lab, browser, watch), watch)
            if "hostile" in chosen:
                results["hostile"] = guarded("hostile", hostile, watch)
        finally:
            try:
                lab.shutdown_kernels()
            except Exception as exc:
                log(f"shutting the kernels down failed: {exc}")
            watch.scan()
            final_orphans = watch.reap(timeout=5)
            browser.close()
            pw.stop()
            lab.stop()
            left = [o for o in watch.reap(timeout=3) if o not in final_orphans]
            final_orphans += left
        if final_orphans:
            log(f"orphans at the end: {final_orphans}")
    print(json.dumps(aggregate(results, final_orphans), default=str), flush=True)


if __name__ == "__main__":
    main()
