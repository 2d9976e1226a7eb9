"""Soak scenario: a stalled client on the same viewer, through the real jupyter-server-proxy, for a minute.

The stalled client (support/stall_client.py) completes hello, then moves the camera 20 times a second
and never reads or acks. Meanwhile the page's view is zoomed in and out continuously. Measured:
the daemon's RSS each second (it must stay bounded), the Jupyter server's RSS (the proxy buffers what
the stalled client does not read), and the page view's frame rate before and during the stall.
"""

from __future__ import annotations

import sys
import time

from playwright.sync_api import Browser, Page

from support.browser import frames_shown, settle
from support.lab import LabServer
from support.recovery import result, stop_wiggle, wiggle
from support.recovery_procs import ProcessWatch, rss_mb, wait_daemon
from support.recovery_session import NotebookSession
from support.stall_client import StalledClient

RSS_BOUND_MB = 256.0  # growth allowed over the stall (frames are ~100 kB; unbounded queues grow far past it)


def _fps(page: Page, seconds: float) -> float:
    wiggle(page, 0, seconds + 1)
    try:
        n0, t0 = frames_shown(page), time.monotonic()
        time.sleep(seconds)
        return round((frames_shown(page) - n0) / (time.monotonic() - t0), 1)
    finally:
        stop_wiggle(page)


def stalled_client(lab: LabServer, browser: Browser, watch: ProcessWatch, seconds: float = 60.0) -> dict:
    res = result("stalled_client")
    s = NotebookSession(lab, browser, "soak_stall")
    client = None
    try:
        hello = s.page.evaluate("() => globalThis.__ncHello || null")
        if hello is None:
            res["notes"].append("the page's hello was not captured")
            return res
        daemon = wait_daemon(s.kpid)
        watch.scan()
        res["fps_before"] = _fps(s.page, 5.0)
        settle(s.page, quiet=0.6)
        client = StalledClient(lab.port, lab.token, hello["url"], hello["hello"])
        res["faults"] += 1
        rss = [rss_mb(daemon.pid)]
        lab_rss = [rss_mb(lab.proc.pid)] if lab.proc else []
        wiggle(s.page, 0, seconds + 2)
        n0, t0 = frames_shown(s.page), time.monotonic()
        while time.monotonic() - t0 < seconds:
            time.sleep(1.0)
            rss.append(rss_mb(daemon.pid))
            if lab.proc:
                lab_rss.append(rss_mb(lab.proc.pid))
            watch.scan()
        res["fps_during"] = round((frames_shown(s.page) - n0) / (time.monotonic() - t0), 1)
        stop_wiggle(s.page)
        alive = [r for r in rss if r is not None]
        res.update(
            rss_start_mb=rss[0],
            rss_max_mb=max(alive) if alive else None,
            rss_end_mb=rss[-1],
            server_rss_start_mb=lab_rss[0] if lab_rss else None,
            server_rss_max_mb=max(r for r in lab_rss if r is not None) if lab_rss else None,
            stalled_sent=client.sent,
            stalled_send_blocked=client.blocked,
            rss_every_5s_mb=rss[::5],
        )
        if rss[-1] is None or not daemon.is_running():
            res["crashes"] += 1
            res["notes"].append("the daemon died during the stall")
            return res
        bounded = rss[0] is not None and max(alive) - rss[0] < RSS_BOUND_MB
        kept = res["fps_during"] >= 0.5 * res["fps_before"]
        if not bounded:
            res["notes"].append(f"daemon RSS grew {max(alive) - (rss[0] or 0):.0f} MB during the stall")
        if not kept:
            res["notes"].append(f"the other view fell from {res['fps_before']} to {res['fps_during']} frames/s")
        if bounded and kept:
            res["recoveries"] += 1
    except Exception as exc:  # a scenario failure is a result, not the end of the soak
        res["notes"].append(f"{type(exc).__name__}: {exc}")
        print(s.diagnose("stalled_client failed"), file=sys.stderr)
    finally:
        if client is not None:
            client.stop()
        s.close()
    return res
