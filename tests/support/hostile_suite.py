"""The hostile-input suite of issue 11 ("Prove recovery"), shared by `make soak` (tests/soak/hostile.py)
and the short test (tests/python/test_hostile.py).

A legitimate session runs throughout: this process's kernel bridge creates a viewer with an image in
a real daemon child process, and a view streams frames from it (LegitView). Phases of hostile
traffic follow: `n` fuzzed messages on each channel, 64 MiB messages, a pre-auth flood, Origin and
wrong tokens, /metrics tokens, hellos for viewers the kernel never created. After each phase the
daemon must still run, the legitimate view must never have been disconnected and must receive a
new frame, and the kernel's control connection must answer.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import napari_cuda
from napari_cuda._daemon_process import current_daemon, shutdown_daemon
from napari_cuda._protocol import PROTOCOL_VERSION
from support import hostile_checks as checks
from support import hostile_floods as floods
from support.hostile_fuzz import fuzz_channel
from support.hostile_msgs import CHANNELS, Context
from support.hostile_values import HOSTILE_VIEWER
from support.legit_session import LegitView, ffmpeg_children, hello_message, new_view_streams, proc_kib

RECOVERY_TIMEOUT_S = 30.0
# Views opened by the view flood: twice NAPARI_CUDA_MAX_VIEWS' default (16).
VIEW_FLOOD = 32


class Suite:
    """One run: the legitimate session, the phases, and what was measured."""

    def __init__(self, n: int, flood: int, unknown: int, seed: int, sustained: bool = True) -> None:
        self.n, self.flood_count, self.unknown_count, self.seed = n, flood, unknown, seed
        self.sustained = sustained
        self.storm = max(10, n // 20)
        self.viewer = napari_cuda.Viewer()
        self.viewer.add_image(np.random.default_rng(seed).integers(0, 255, (48, 64)).astype(np.uint8))
        self.daemon = self.viewer._link.ensure()
        self.pid = self.daemon.pid
        self.state = self.viewer._viewer_state()
        layer = self.state["layers"][0]
        self.ctx = Context(self.viewer.model_id, layer["id"], layer)
        self.canvas = {"width": 128, "height": 96, "pixel_ratio": 1}
        self.rss_start_kib = proc_kib(self.pid, "VmRSS")
        self.started_ms = time.time() * 1000
        self.legit = LegitView(self.daemon.port, self.daemon.view_token, self.viewer.model_id, self.state, self.canvas)
        if self.legit.wait_frames(0, 60) is None:
            raise RuntimeError(f"the legitimate view got no frame: {self.legit.closed} {self.legit.errors}")
        self.phases: list[dict[str, Any]] = []
        self.channels: list[dict[str, Any]] = []
        self.checks: list[dict[str, Any]] = []
        self.faults = 0
        self.notes: list[str] = []

    @property
    def crashed(self) -> bool:
        """True once the daemon process has exited."""
        return self.daemon._proc.poll() is not None

    def phase(self, name: str, faults: int, body: Callable[[], Any]) -> None:
        """Run one hostile phase, then verify the legitimate session recovered (or never noticed)."""
        if self.crashed:
            return
        f0, t0 = self.legit.frames, time.monotonic()
        failure = None
        try:
            body()
        except Exception as exc:  # a hang or a refused legitimate step: this phase fails, the next ones run
            failure = f"{type(exc).__name__}: {exc}"[:300]
            self.notes.append(f"{name}: {failure}")
        self.faults += faults
        during = self.legit.frames - f0
        recovery = self.legit.wait_frames(self.legit.frames, RECOVERY_TIMEOUT_S)
        record: dict[str, Any] = {
            "phase": name,
            "seconds": round(time.monotonic() - t0, 2),
            "legit_frames_during": during,
            "recovery_s": None if recovery is None else round(recovery, 3),
            "daemon_alive": not self.crashed,
            "legit_view_open": self.legit.closed is None,
            "rss_kib": proc_kib(self.pid, "VmRSS"),
        }
        try:
            record["kernel_info_ok"] = self.daemon.request("info", timeout=RECOVERY_TIMEOUT_S)["pid"] == self.pid
        except Exception as exc:
            record["kernel_info_ok"] = False
            self.notes.append(f"{name}: the kernel's control request failed: {exc}"[:300])
        record["error"] = failure
        record["ok"] = failure is None and bool(
            record["daemon_alive"] and record["legit_view_open"] and recovery is not None and record["kernel_info_ok"]
        )
        self.phases.append(record)

    def fuzz(self, channel: str) -> None:
        """`n` hostile messages on one channel."""
        result = fuzz_channel(
            channel, self.n, self.seed, self.daemon.port, self.daemon._control_token, self.daemon.view_token, self.ctx
        )
        self.channels.append(result.summary())

    def add_check(self, check: checks.Check) -> None:
        """Keep one check's verdict."""
        self.checks.append(check.as_dict())

    def flood(self) -> None:
        """Idle unauthenticated sockets on both channels and slow-header connections; meanwhile a
        kernel and a new view must get in."""
        held, statuses = floods.flood(self.daemon.port, self.flood_count)
        try:
            kernel = checks.kernel_connects(self.daemon.port, self.daemon._control_token)
            view = new_view_streams(
                self.daemon.port,
                self.daemon.view_token,
                self.viewer.model_id,
                self.state,
                self.canvas,
                RECOVERY_TIMEOUT_S,
            )
        finally:
            for ws in held:
                ws.close()
        detail = {"statuses": statuses, "held_open": len(held), "kernel": kernel, "new_view": view}
        self.add_check(checks.Check("preauth_flood", kernel["ok"] and view["ok"], detail))

    def sustained_flood(self) -> None:
        """Idle /stream sockets opened without pause for the whole check: can a new view still get in?"""
        attacker = floods.SustainedFlood(self.daemon.port, self.flood_count)
        try:
            time.sleep(2.0)
            kernel = checks.kernel_connects(self.daemon.port, self.daemon._control_token)
            view = new_view_streams(
                self.daemon.port,
                self.daemon.view_token,
                self.viewer.model_id,
                self.state,
                self.canvas,
                RECOVERY_TIMEOUT_S,
            )
        finally:
            counts = attacker.stop()
        detail = {"attacker": counts, "kernel": kernel, "new_view": view}
        needs = "pre-auth gate fairness (a view's hello must not lose to a flood of fresh idle sockets)"
        self.add_check(checks.Check("sustained_preauth_flood", kernel["ok"] and view["ok"], detail, needs))

    def run(self) -> None:
        """Every phase, in order."""
        for channel in CHANNELS:
            self.phase(f"fuzz:{channel}", self.n, lambda c=channel: self.fuzz(c))
        for path in ("/control", "/stream"):
            for fragmented in (False, True):
                self.phase(
                    f"oversize:{path}:{'fragmented' if fragmented else 'one_frame'}",
                    1,
                    lambda p=path, f=fragmented: self.add_check(checks.oversize(self.daemon.port, self.pid, p, f)),
                )
        self.phase("preauth_flood", 3 * self.flood_count, self.flood)
        if self.sustained:
            self.phase("sustained_preauth_flood", self.flood_count, self.sustained_flood)
        pid, vid = self.pid, self.viewer.model_id
        self.phase(
            "view_flood",
            VIEW_FLOOD,
            lambda: self.add_check(
                floods.view_flood(
                    self.daemon.port, pid, self.daemon.view_token, vid, self.state, VIEW_FLOOD, ffmpeg_children
                )
            ),
        )
        self.phase(
            "resize_storm",
            self.storm,
            lambda: self.add_check(
                floods.resize_storm(
                    self.daemon.port,
                    pid,
                    self.daemon.view_token,
                    vid,
                    self.state,
                    self.storm,
                    self.seed,
                    ffmpeg_children,
                )
            ),
        )
        self.phase(
            "keyframe_spam",
            1,
            lambda: self.add_check(
                floods.keyframe_spam(self.daemon.port, self.daemon.view_token, vid, self.state, 3.0)
            ),
        )
        for after_hello in (False, True):
            hello = hello_message(
                self.daemon.view_token, vid, self.state, {"width": 64, "height": 64, "pixel_ratio": 1}
            )
            self.phase(
                f"ping_flood:{'posthello' if after_hello else 'prehello'}",
                1,
                lambda h=hello if after_hello else None: self.add_check(
                    floods.ping_flood(self.daemon.port, pid, h, 10_000)
                ),
            )
        self.phase("huge_headers", 1, lambda: self.add_check(floods.huge_headers(self.daemon.port)))
        port, ctl, view = self.daemon.port, self.daemon._control_token, self.daemon.view_token
        self.phase("origin", 2, lambda: self.add_check(checks.origin_on_control(port, ctl)))
        hello = hello_message(view, self.viewer.model_id, self.state, {"width": 64, "height": 64, "pixel_ratio": 1})
        self.phase(
            "wrong_tokens", 4, lambda: self.add_check(checks.wrong_tokens(port, ctl, view, PROTOCOL_VERSION, hello))
        )
        self.phase("metrics_tokens", 5, lambda: self.add_check(checks.metrics_tokens(port, ctl, view)))
        self.phase(
            "unknown_viewers",
            self.unknown_count,
            lambda: self.add_check(
                checks.unknown_viewers(
                    port,
                    view,
                    self.unknown_count,
                    self.state,
                    lambda: self.daemon.request("info", timeout=RECOVERY_TIMEOUT_S),
                )
            ),
        )

    def finish(self) -> dict[str, Any]:
        """Close the legitimate session, count orphans, and summarize."""
        frames, closed, errors = self.legit.frames, self.legit.closed, list(self.legit.errors)
        self.legit.close()
        if not self.crashed:  # the fuzz's control-created viewer must not outlive the suite
            try:
                self.daemon.request("close_viewer", viewer_id=HOSTILE_VIEWER, timeout=RECOVERY_TIMEOUT_S)
            except Exception as exc:
                self.notes.append(f"closing {HOSTILE_VIEWER} failed: {exc}"[:300])
        screenshot_ok = False
        if not self.crashed:
            try:
                screenshot_ok = self.viewer.screenshot(size=(32, 32)).shape == (32, 32, 4)
            except Exception as exc:
                self.notes.append(f"the kernel's viewer.screenshot failed at the end: {exc}"[:300])
        # No view is left: every encoder of every (hostile or legitimate) view must be gone.
        deadline, orphans = time.monotonic() + 5, ffmpeg_children(self.pid)
        while orphans and time.monotonic() < deadline:
            time.sleep(0.1)
            orphans = ffmpeg_children(self.pid)
        rss_end = proc_kib(self.pid, "VmRSS")
        crashed = self.crashed
        log_errors = daemon_log_errors(self.daemon.stderr_tail(20000), self.started_ms)
        if log_errors:
            self.notes.append(f"daemon logged {len(log_errors)} errors, e.g. {log_errors[:3]}"[:600])
        self.viewer.close()
        bad_msgs = sum(len(c["bad"]) for c in self.channels)
        failed_checks = [c["name"] for c in self.checks if not c["ok"]]
        failed_phases = [p["phase"] for p in self.phases if not p["ok"]]
        if closed:
            self.notes.append(f"the legitimate view was disconnected: {closed}")
        if errors:
            self.notes.append(f"the legitimate view got errors: {errors[:3]}")
        for c in self.channels:
            if c["bad"]:
                self.notes.append(f"{c['channel']}: unexpected outcomes {c['bad'][:5]}")
        for c in self.checks:
            if not c["ok"]:
                self.notes.append(f"check {c['name']} failed ({c['needs'] or 'a daemon bug'}): {c['detail']}"[:400])
        sent = sum(c["sent"] for c in self.channels)
        self.notes.insert(
            0,
            f"{sent} fuzzed messages on {len(self.channels)} channels, {bad_msgs} unexpected outcomes; "
            f"{len(self.checks) - len(failed_checks)}/{len(self.checks)} checks passed; "
            f"legitimate view: {frames} frames, disconnected: {bool(closed)}; "
            f"daemon RSS {self.rss_start_kib} -> {rss_end} KiB",
        )
        recoveries = [p["recovery_s"] for p in self.phases if p["recovery_s"] is not None]
        return {
            "name": "hostile",
            "faults": self.faults,
            "recoveries": sum(1 for p in self.phases if p["ok"]),
            # A phase without recovery counts as the full wait (JSON has no NaN).
            "worst_recovery_s": max(recoveries, default=0.0)
            if len(recoveries) == len(self.phases)
            else RECOVERY_TIMEOUT_S,
            "crashes": int(crashed),
            "orphans": len(orphans),
            "notes": self.notes,
            "ok": not crashed
            and not orphans
            and not closed
            and not bad_msgs
            and not failed_checks
            and not failed_phases,
            "daemon_log_errors": len(log_errors),
            "rss_start_kib": self.rss_start_kib,
            "rss_end_kib": rss_end,
            "legit_frames": frames,
            "legit_screenshot_ok": screenshot_ok,
            "failed_checks": failed_checks,
            "failed_phases": failed_phases,
            "channels": self.channels,
            "checks": self.checks,
            "phases": self.phases,
        }


def daemon_log_errors(lines: list[str], since_ms: float) -> list[str]:
    """The messages of error and fatal lines (pino level >= 50) the daemon logged since `since_ms`."""
    out = []
    for line in lines:
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if not isinstance(entry, dict) or not isinstance(entry.get("time"), (int, float)) or entry["time"] < since_ms:
            continue
        if isinstance(entry.get("level"), int) and entry["level"] >= 50:
            err = entry.get("err")
            why = err.get("message") if isinstance(err, dict) else err
            out.append(f"{entry.get('msg')}: {why}"[:200])
    return out


def run_suite(
    n: int = 1000, flood: int = 200, unknown: int = 100, seed: int = 11, sustained: bool = True
) -> dict[str, Any]:
    """Run every phase against this process's daemon; the soak's result dict (see Suite.finish).

    `sustained`: also the sustained pre-auth flood (an attacker thread opening idle sockets without
    pause while a new view connects): its verdict depends on how fast the attacker is, so only the
    soak runs it.
    """
    own = current_daemon() is None  # started here: stopped here (a soak leaves no daemon behind)
    try:
        suite = Suite(n, flood, unknown, seed, sustained)
        try:
            suite.run()
        finally:
            result = suite.finish()
        result["daemon_stopped_after"] = own
        return result
    finally:
        if own:
            shutdown_daemon()
