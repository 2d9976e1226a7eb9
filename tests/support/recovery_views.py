"""View faults: a page reload mid-stream, and one viewer in two outputs and a second tab.

Each returns the `make soak` result dict (support.recovery.result) plus fields the e2e tests assert.
A view's daemon resources are its encoders (ffmpeg children of the daemon) and its session, which
the daemon logs as "view connected" / "view closed".
"""

from __future__ import annotations

import json
import time

from playwright.sync_api import Browser, Page

from support.browser import canvas_box, frames_shown, settle, wait_until
from support.lab import LabServer, run_code
from support.recovery import (
    VIEWER_CELL,
    daemon_log_lines,
    now_ms,
    open_in,
    result,
    sampler_log,
    start_sampler,
    wait_views,
    wiggle,
)
from support.recovery_procs import ProcessWatch, encoders_of, wait_daemon
from support.recovery_session import NotebookSession

CAMERA = "import json; print(json.dumps({'center': list(viewer.camera.center), 'zoom': viewer.camera.zoom}))"


def _closed_views(kc) -> int:  # type: ignore[no-untyped-def]
    return daemon_log_lines(kc, '"msg":"view closed"')


def page_reload(lab: LabServer, browser: Browser, watch: ProcessWatch, repeats: int = 1) -> dict:
    """Reload the page while its view streams: the new page's view streams; the old one is closed
    in the daemon (logged) and its encoders end."""
    res = result("page_reload", rounds=[])
    s = NotebookSession(lab, browser, "rec_reload")
    try:
        s.save()
        daemon = wait_daemon(s.kpid)
        for i in range(repeats):
            rnd: dict = {}
            res["rounds"].append(rnd)
            closed0 = _closed_views(s.kc)
            old_encoders = [p.pid for p in encoders_of(daemon.pid)]
            watch.scan()
            wiggle(s.page, 0, 5.0)
            time.sleep(1.0)
            t0 = now_ms()
            s.page.reload(wait_until="domcontentloaded")
            res["faults"] += 1
            try:
                wait_views(s.page, 1, timeout=120)
            except Exception:
                res["notes"].append(f"round {i}: no view after the reload")
                continue
            start_sampler(s.page)
            rnd["reload_to_frame_s"] = round((now_ms() - t0) / 1000, 2)
            # The old view's session closes and its encoders end (the new view may start its own).
            try:
                wait_until(lambda c=closed0: _closed_views(s.kc) > c, timeout=10)
                rnd["old_view_closed"] = True
            except TimeoutError:
                rnd["old_view_closed"] = False
            watch.scan()
            settle(s.page, quiet=1.0)
            kept = [p.pid for p in encoders_of(daemon.pid) if p.pid in old_encoders]
            rnd["old_encoders_left"] = len(kept)
            rnd["streaming"] = s.page.evaluate("() => globalThis.__napariCuda.views[0].status") == "streaming"
            rnd["daemon_same"] = daemon.is_running()
            if not rnd["daemon_same"]:
                res["crashes"] += 1
            if rnd["old_view_closed"] and not kept and rnd["streaming"]:
                res["recoveries"] += 1
            else:
                res["notes"].append(f"round {i}: {rnd}")
    finally:
        s.close()
    return res


def _drag(page: Page, view: int = 0) -> None:
    box = canvas_box(page, view)
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy)
    page.mouse.down()
    for i in range(1, 11):
        page.mouse.move(cx - 9 * i, cy - 5 * i)
        time.sleep(0.02)
    page.mouse.up()


def _first_frame_at(page: Page, tag: str, since: float, center: list[float], zoom: float) -> dict[str, float]:
    """Per view of `page` (keyed `tag`/viewId): display time of its first frame since `since` with this camera."""
    out: dict[str, float] = {}
    for e in sampler_log(page, since):
        key = f"{tag}/{e['view']}"
        if key in out or e["at"] is None or e["at"] < since:
            continue
        same = all(abs(a - b) < 1e-3 for a, b in zip(e["center"], center, strict=False))
        if abs(e["zoom"] - zoom) < 1e-6 * zoom and same:
            out[key] = e["at"]
    return out


def multi_view(lab: LabServer, browser: Browser, watch: ProcessWatch) -> dict:
    """One viewer shown in two outputs and in a second tab: a drag in one moves the others; closing
    the tab and one output leaves the last view streaming and frees the closed ones in the daemon."""
    res = result("multi_view")
    s = NotebookSession(lab, browser, "rec_multi", cells=(VIEWER_CELL, "viewer"), views=2)
    try:
        s.save()
        tab = s.new_page()
        open_in(tab, lab, s.notebook, "rec-multi-tab")
        wait_views(tab, 2, timeout=120)
        start_sampler(tab)
        pages = [s.page, tab]
        res["views"] = sum(p.evaluate("() => globalThis.__napariCuda.views.length") for p in pages)
        for p in pages:
            settle(p, quiet=0.6)
        watch.scan()
        t0 = now_ms()
        _drag(s.page, 0)

        def camera() -> dict | None:
            c = json.loads(run_code(s.kc, CAMERA))
            views = [p.evaluate("(i) => globalThis.__napariCuda.views[i].camera", i) for p in pages for i in (0, 1)]
            same = all(
                abs(v["zoom"] - c["zoom"]) < 1e-6
                and all(abs(a - b) < 1e-6 for a, b in zip(v["center"], c["center"], strict=False))
                for v in views
            )
            return c if same else None

        try:
            final = wait_until(camera, timeout=30, interval=0.3)
            firsts: dict[str, float] = {}

            def all_drawn() -> bool:
                for k, p in enumerate(pages):
                    firsts.update(_first_frame_at(p, f"p{k}", t0, final["center"], final["zoom"]))
                return len(firsts) == 4

            try:  # a loaded machine may take seconds; the lags below are what counts
                wait_until(all_drawn, timeout=30, interval=0.3)
            except TimeoutError:
                pass
            res["followed"] = len(firsts) == 4
            if not res["followed"]:
                last = {
                    f"p{k}/{e['view']}": (e["zoom"], e["center"], e["frames"], e["status"])
                    for k, p in enumerate(pages)
                    for e in sampler_log(p, t0)
                }
                res["notes"].append(f"frames with the final camera {final}: {firsts}; last samples: {last}")
            lead = firsts.get("p0/" + s.page.evaluate("() => globalThis.__napariCuda.views[0].viewId"))
            if lead is not None:
                res["lag_ms"] = sorted(round(t - lead) for t in firsts.values())
        except TimeoutError:
            res["followed"] = False
            views = [p.evaluate("(i) => globalThis.__napariCuda.views[i].camera", i) for p in pages for i in (0, 1)]
            res["notes"].append(
                f"the views' cameras never agreed with the kernel's after the drag: kernel "
                f"{json.loads(run_code(s.kc, CAMERA))}, views {views}"
            )
        # Close the tab and the second output: 3 views gone; the first keeps streaming.
        closed0 = _closed_views(s.kc)
        res["faults"] += 1
        tab.close()
        s.pages.remove(tab)
        s.page.evaluate(
            """async () => { const app = window.jupyterapp; const nb = app.shell.currentWidget.content;
                             nb.activeCellIndex = 1; await app.commands.execute('notebook:clear-cell-output'); }"""
        )
        try:
            wait_until(lambda: _closed_views(s.kc) >= closed0 + 3, timeout=15)
            res["closed_freed"] = True
        except TimeoutError:
            res["closed_freed"] = False
            res["notes"].append(f"the daemon logged {_closed_views(s.kc) - closed0} of 3 closed views")
        n = frames_shown(s.page)
        run_code(s.kc, "viewer.camera.zoom = viewer.camera.zoom * 1.5")
        try:
            wait_until(lambda: frames_shown(s.page) > n, timeout=10)
            res["others_streaming"] = True
        except TimeoutError:
            res["others_streaming"] = False
        if res["followed"] and res["others_streaming"] and res["closed_freed"]:
            res["recoveries"] += 1
        watch.scan()
    finally:
        s.close()
    return res
