"""Process faults under a streaming view: kill -9 the daemon, one ffmpeg, or the kernel.

Each scenario returns the `make soak` result dict (support.recovery.result) with extra fields
that the e2e tests assert on. Recovery times are measured in the page: from the kill to the display
of the first frame the daemon rendered after it (support.recovery.first_frame_after).
"""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import psutil

from support.browser import canvas_rgba, frames_shown, psnr, settle, wait_until
from support.lab import run_code
from support.recovery import (
    daemon_log_lines,
    first_frame_after,
    kernel_state,
    now_ms,
    result,
    sampler_log,
    stop_wiggle,
    view_id,
    wiggle,
)
from support.recovery_procs import ProcessWatch, busiest, daemons_of, encoders_of, started_at, wait_daemon, wait_gone
from support.recovery_session import NotebookSession

TOKEN_DIGEST = (
    "import hashlib as _h\nfrom napari_cuda._daemon_process import current_daemon as _cd\n"
    "print(_h.sha256(_cd().view_token.encode()).hexdigest()[:16])"
)


def _token_digest(kc) -> str | None:  # type: ignore[no-untyped-def]
    try:
        return run_code(kc, TOKEN_DIGEST).strip()
    except RuntimeError:
        return None


def daemon_kill(s: NotebookSession, watch: ProcessWatch, repeats: int = 1) -> dict:
    """kill -9 the daemon of a streaming view: reconnect, same picture, a working `viewer`, no orphan."""
    res = result("daemon_kill", rounds=[])
    page, kc = s.page, s.kc
    vid = view_id(page)
    for i in range(repeats):
        rnd: dict = {}
        res["rounds"].append(rnd)
        # A camera of the kernel's, not the initial one: the new daemon must get the kernel's state.
        run_code(kc, f"viewer.camera.zoom = {1.3 + 0.2 * i}; viewer.camera.center = ({220 + 7 * i}.0, {330 + 9 * i}.0)")
        settle(page, quiet=0.8)
        before, canvas_before = kernel_state(kc), canvas_rgba(page)
        token_before = _token_digest(kc)
        old = wait_daemon(s.kpid)
        encoders = [p.pid for p in encoders_of(old.pid)]
        watch.scan()
        t_kill = now_ms()
        os.kill(old.pid, signal.SIGKILL)
        res["faults"] += 1
        frame = first_frame_after(page, vid, t_kill, timeout=30, after_drop=True)
        log = [e for e in sampler_log(page, t_kill) if e["view"] == vid]
        statuses = sorted({e["status"] for e in log})
        rnd["statuses"] = statuses
        # Each status change, ms after the kill (where the recovery time goes).
        rnd["timeline_ms"] = []
        for e in log:
            if not rnd["timeline_ms"] or rnd["timeline_ms"][-1][1] != e["status"]:
                rnd["timeline_ms"].append([round(e["now"] - t_kill), e["status"]])
        if frame is None:
            res["notes"].append(f"round {i}: no frame within 30 s of the kill (statuses {statuses})")
            continue
        rnd["recovery_s"] = round((frame["at"] - t_kill) / 1000, 3)
        new = wait_daemon(s.kpid, not_pid=old.pid, timeout=10)
        rnd["new_daemon_started_ms"] = round(started_at(new) * 1000 - t_kill)
        watch.scan()
        rnd["new_daemon"] = new.pid != old.pid
        rnd["new_token"] = token_before is not None and _token_digest(kc) not in (None, token_before)
        settle(page, quiet=0.8)
        after = kernel_state(kc)
        rnd["same_state"] = after == before
        rnd["psnr_vs_before"] = round(min(psnr(canvas_before, canvas_rgba(page)), 99.0), 1)
        # The kernel's viewer still drives the (new) daemon's view.
        n = frames_shown(page)
        run_code(kc, "viewer.camera.zoom = viewer.camera.zoom * 2")
        try:
            wait_until(lambda n=n: frames_shown(page) > n, timeout=10)
            settle(page, quiet=0.8)
            zoom = float(run_code(kc, "print(viewer.camera.zoom)"))
            rnd["viewer_works"] = abs(page.evaluate("() => globalThis.__napariCuda.views[0].camera.zoom") - zoom) < 1e-6
            rnd["viewer_works"] = bool(rnd["viewer_works"] and psnr(canvas_before, canvas_rgba(page)) < 25)
        except TimeoutError:
            rnd["viewer_works"] = False
        gone_s, left = wait_gone(encoders, timeout=5)
        rnd["old_encoders"] = len(encoders)
        rnd["old_encoders_gone_s"] = None if gone_s is None else round(gone_s, 2)
        res["orphans"] += len(left)
        ok = rnd["new_daemon"] and rnd["same_state"] and rnd["psnr_vs_before"] >= 30 and rnd["viewer_works"]
        if ok:
            res["recoveries"] += 1
            worst = res["worst_recovery_s"] or 0.0
            res["worst_recovery_s"] = max(worst, rnd["recovery_s"])
        else:
            res["notes"].append(f"round {i}: not recovered: {rnd}")
    return res


def ffmpeg_kill(s: NotebookSession, watch: ProcessWatch, repeats: int = 1) -> dict:
    """kill -9 the busiest ffmpeg of a moving view: frames resume with a keyframe (time to its display)."""
    res = result("ffmpeg_kill", rounds=[])
    page = s.page
    vid = view_id(page)
    for i in range(repeats):
        rnd: dict = {}
        res["rounds"].append(rnd)
        daemon = wait_daemon(s.kpid)
        moving_until = now_ms() + 8000
        wiggle(page, 0, 8.0)
        try:
            time.sleep(1.0)
            encoders = encoders_of(daemon.pid)
            victim = busiest(encoders)
            if victim is None:
                res["notes"].append(f"round {i}: the moving view's daemon runs no ffmpeg")
                continue
            watch.scan()
            old = {p.pid for p in encoders}
            size = _coded_size(victim)
            sizes0 = page.evaluate("() => globalThis.__napariCuda.views[0].frameSizes")
            keys0 = int(page.evaluate("() => globalThis.__napariCuda.views[0].stats().keyframes"))
            failed0 = daemon_log_lines(s.kc, '"msg":"encoder failed"')
            t_kill = now_ms()
            os.kill(victim.pid, signal.SIGKILL)
            res["faults"] += 1
            # Any frame rendered after the kill (the view did not freeze), and the first of the killed
            # encoder's size while still moving: a fresh ffmpeg or the warm standby, so a keyframe.
            first = first_frame_after(page, vid, t_kill, timeout=10)

            def killed_kind(
                e: dict, size: str | None = size, n0: int = sizes0.get(size, 0), end: float = moving_until
            ) -> bool:
                return e["sizes"].get(size, 0) > n0 and e["at"] < end - 300

            keyed = first_frame_after(
                page, vid, t_kill, timeout=max(1.0, (moving_until - now_ms()) / 1000), accept=killed_kind
            )
            rnd["killed_size"] = size
            rnd["keyframe"] = keyed is not None and keyed["keyframes"] > keys0
            rnd["new_ffmpeg"] = len([p for p in encoders_of(daemon.pid) if p.pid not in old])
        finally:
            stop_wiggle(page)
        watch.scan()
        rnd["encoder_failures_logged"] = daemon_log_lines(s.kc, '"msg":"encoder failed"') - failed0
        rnd["daemon_survived"] = daemon.is_running() and daemon.pid in [d.pid for d in daemons_of(s.kpid)]
        if not rnd["daemon_survived"]:
            res["crashes"] += 1
        _, left = wait_gone([victim.pid], timeout=3)
        res["orphans"] += len(left)  # a killed encoder the daemon never reaped
        if first is None:
            res["notes"].append(f"round {i}: no frame within 10 s of killing ffmpeg {victim.pid}")
            continue
        rnd["first_frame_s"] = round((first["at"] - t_kill) / 1000, 3)
        rnd["first_frame_keyframe"] = first["keyframes"] > keys0
        # The killed size may not be needed again while moving (another scale is): then the view never froze.
        rnd["recovery_s"] = rnd["first_frame_s"] if keyed is None else round((keyed["at"] - t_kill) / 1000, 3)
        try:
            settle(page, quiet=0.8)
            rnd["status"] = page.evaluate("() => globalThis.__napariCuda.views[0].status")
        except TimeoutError:
            rnd["status"] = "never settled"
        if rnd["status"] == "streaming" and rnd["daemon_survived"]:
            res["recoveries"] += 1
            res["worst_recovery_s"] = max(res["worst_recovery_s"] or 0.0, rnd["recovery_s"])
        else:
            res["notes"].append(f"round {i}: {rnd}")
    return res


def _coded_size(p: psutil.Process) -> str | None:
    """The "WxH" an ffmpeg encoder reads (its -s/-video_size argument)."""
    try:
        args = p.cmdline()
    except psutil.Error:
        return None
    for flag, value in zip(args, args[1:], strict=False):
        if flag in ("-s", "-video_size"):
            return value
    return None


SCRATCH_CELL = """\
import os
os.environ["NAPARI_CUDA_INLINE_BYTES"] = "0"  # every array becomes a scratch pyramid
import numpy as np
import napari_cuda
from napari_cuda._scratch import live_scratch_dirs
viewer = napari_cuda.Viewer(height=300)
viewer.add_image(np.arange(256 * 256, dtype=np.uint16).reshape(256, 256), colormap="magma")
viewer"""

NEXT_START = """\
import os
os.environ["NAPARI_CUDA_INLINE_BYTES"] = "0"
import numpy as np
import napari_cuda
v2 = napari_cuda.Viewer()
v2.add_image(np.ones((64, 64), dtype=np.uint16))
print(len(v2.layers))"""


def kernel_kill(s: NotebookSession, watch: ProcessWatch, scratch_root: Path) -> dict:
    """SIGKILL the kernel of a streaming view with a scratch pyramid: the daemon and its encoders exit
    within 3 s; the next kernel start (the server restarts it) sweeps the dead kernel's scratch dirs."""
    res = result("kernel_kill")
    kc = s.kc
    listed = run_code(kc, "import json; print(json.dumps([str(p) for p in live_scratch_dirs()]))")
    dirs = [Path(p) for p in json.loads(listed)]
    res["scratch_dirs"] = len(dirs)
    if not dirs or not all(d.parent == scratch_root for d in dirs):
        res["notes"].append(f"scratch pyramids {dirs} are not under {scratch_root}")
    daemon = wait_daemon(s.kpid)
    pids = [daemon.pid] + [p.pid for p in encoders_of(daemon.pid)]
    res["encoders"] = len(pids) - 1
    watch.scan()
    kc.stop_channels()
    s.kc = None
    os.kill(s.kpid, signal.SIGKILL)
    res["faults"] += 1
    gone_s, left = wait_gone(pids, timeout=10)
    res["daemon_exit_s"] = None if gone_s is None else round(gone_s, 2)
    res["left_after_10s"] = left
    res["orphans"] += len(left)
    # The server restarts the kernel; its first napari_cuda use must sweep the dead kernel's dirs.
    deadline = time.monotonic() + 90
    while s.kc is None:
        try:
            s.wait_kernel_idle()
            s.kc = s.lab.kernel_client(s.notebook)
        except RuntimeError:  # still the dead kernel: the server has not restarted it yet
            if time.monotonic() > deadline:
                raise
            time.sleep(1.0)
    run_code(s.kc, NEXT_START, timeout=120)
    try:
        wait_until(lambda: not any(d.exists() for d in dirs), timeout=5)
        res["swept"] = True
    except TimeoutError:
        res["swept"] = False
        has_sweep = run_code(s.kc, "import napari_cuda._scratch as _s; print(any('sweep' in n for n in dir(_s)))")
        res["sweep_implemented"] = has_sweep.strip() == "True"
        res["notes"].append(f"dead kernel's scratch dirs left: {[str(d) for d in dirs if d.exists()]}")
    watch.scan()
    ok = gone_s is not None and gone_s <= 3.0 and res["swept"]
    if ok:
        res["recoveries"] += 1
        res["worst_recovery_s"] = round(gone_s, 3)
    elif gone_s is not None and gone_s > 3.0:
        res["notes"].append(f"daemon and encoders took {gone_s:.1f} s to exit (> 3 s)")
    return res


def kernel_kill_cells() -> tuple[str, ...]:
    return (SCRATCH_CELL,)
