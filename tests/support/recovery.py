"""Fault-injection helpers for the recovery tests and `make soak`: page sampling and notebooks
(processes: recovery_procs.py).

Times are epoch milliseconds on both sides (the page's `performance.timeOrigin + now()` and
Python's `time.time()`), which agree on one host.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import nbformat
from playwright.sync_api import Page

from support.lab import LabServer, run_code

# Records, every 5 ms, each change of a view's drawn-frame count or status, with the display time of
# its last frame, that frame's age (display - daemon render start) and the view's camera.
SAMPLER = """() => {
  if (globalThis.__ncSampler) return;
  const s = { log: [] };
  const last = new Map();
  // Wall clock (as Python's time.time()): performance.timeOrigin may be off by seconds in a long-lived page.
  const epoch = (t) => Date.now() - (performance.now() - t);
  setInterval(() => {
    const h = globalThis.__napariCuda;
    if (!h) return;
    for (const v of h.views) {
      const p = last.get(v.viewId);
      const frames = v.frames, status = v.status;
      if (p && p.frames === frames && p.status === status) continue;
      last.set(v.viewId, { frames, status });
      const ages = v.frameAgeMs;
      const c = v.camera;
      s.log.push({ view: v.viewId, frames, status, now: Date.now(),
        at: v.lastFrameAt === null ? null : epoch(v.lastFrameAt),
        age: ages.length ? ages[ages.length - 1] : null, center: c.center, zoom: c.zoom,
        keyframes: v.stats().keyframes, sizes: v.frameSizes });
    }
    if (s.log.length > 50000) s.log.splice(0, 25000);
  }, 5);
  globalThis.__ncSampler = s;
}"""

# Wheel zoom in and out on view `i` for `seconds` (DOM events at 30/s: the view streams throughout).
WIGGLE = """([i, seconds]) => {
  const v = globalThis.__napariCuda.views[i];
  const c = v.canvas;
  const r = c.getBoundingClientRect();
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  const t0 = performance.now();
  let k = 0;
  globalThis.__ncWiggling = true;
  const step = () => {
    if (performance.now() - t0 > seconds * 1000 || !globalThis.__ncWiggling) {
      globalThis.__ncWiggling = false;
      return;
    }
    c.dispatchEvent(new WheelEvent('wheel', { clientX: x, clientY: y, deltaMode: 0,
      deltaY: k++ % 8 < 4 ? -40 : 40, bubbles: true, cancelable: true }));
    setTimeout(step, 33);
  };
  step();
}"""


def now_ms() -> float:
    return time.time() * 1000.0


def start_sampler(page: Page) -> None:
    """Start the in-page sampler (idempotent; a reload needs it again)."""
    page.evaluate(SAMPLER)


def sampler_log(page: Page, since_ms: float = 0.0) -> list[dict]:
    """Sampler entries recorded at or after `since_ms`."""
    return page.evaluate("(t) => globalThis.__ncSampler.log.filter((e) => e.now >= t)", since_ms)


def view_id(page: Page, index: int = 0) -> str:
    return str(page.evaluate("(i) => globalThis.__napariCuda.views[i].viewId", index))


def wiggle(page: Page, index: int, seconds: float) -> None:
    """Start zooming view `index` in and out for `seconds` (returns at once)."""
    page.evaluate(WIGGLE, [index, seconds])


def stop_wiggle(page: Page) -> None:
    page.evaluate("() => { globalThis.__ncWiggling = false; }")


def first_frame_after(
    page: Page,
    view: str,
    kill_ms: float,
    timeout: float,
    accept: Callable[[dict], bool] | None = None,
    after_drop: bool = False,
) -> dict | None:
    """The first frame `view` drew that the daemon rendered after `kill_ms` (and whose sample
    `accept`s); with `after_drop`, only after the view reported a non-streaming status.
    None if none came within `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        dropped = not after_drop
        for e in sampler_log(page, kill_ms - 1000):
            if e["view"] != view or e["now"] < kill_ms:
                continue
            if e["status"] != "streaming":
                dropped = True
                continue
            at = e["at"]
            if not dropped or at is None or at < kill_ms or (accept is not None and not accept(e)):
                continue
            if e["age"] is not None and at - e["age"] < kill_ms:
                continue  # rendered before the fault: it was in flight
            return e
        time.sleep(0.05)
    return None


# -- notebooks ------------------------------------------------------------------------------------

VIEWER_CELL = """\
import numpy as np
import napari_cuda
_yy, _xx = np.mgrid[0:512, 0:768]
img = (np.sin(_xx / 23.0) * np.cos(_yy / 17.0) * 1000 + 2000 + (_xx * 3 + _yy * 2)).astype(np.uint16)
viewer = napari_cuda.Viewer(height=360)
viewer.add_image(img, colormap="viridis", contrast_limits=(500, 5500))
viewer"""


def write_notebook(lab: LabServer, name: str, *cells: str) -> str:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, lab.root / f"{name}.ipynb")
    return f"{name}.ipynb"


def open_in(page: Page, lab: LabServer, notebook: str, workspace: str) -> None:
    """Open `notebook` in `page` in its own JupyterLab workspace; wait for an idle kernel."""
    page.goto(f"{lab.url}lab/workspaces/{workspace}/tree/{notebook}?reset&token={lab.token}")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=60_000)
    page.wait_for_selector(".jp-Notebook", timeout=60_000)
    page.wait_for_function(
        """() => { const w = window.jupyterapp.shell.currentWidget; const s = w && w.sessionContext;
                   return !!(s && s.session && s.session.kernel && s.session.kernel.status === 'idle'); }""",
        timeout=90_000,
    )


def wait_views(page: Page, n: int, timeout: float = 90) -> None:
    """Until `n` views exist and each drew a frame."""
    page.wait_for_function(
        """(n) => { const h = globalThis.__napariCuda;
                    return !!h && h.views.length >= n && h.views.slice(0, n).every((v) => v.frames > 0); }""",
        arg=n,
        timeout=timeout * 1000,
    )


def kernel_state(kc) -> dict:  # type: ignore[no-untyped-def]
    """The kernel's camera and layers (what a recovered view must show again)."""
    code = (
        "import json; print(json.dumps({'center': [round(c, 6) for c in viewer.camera.center], "
        "'zoom': round(viewer.camera.zoom, 6), "
        "'layers': [[l.name, str(l.colormap), list(l.contrast_limits)] for l in viewer.layers]}))"
    )
    return json.loads(run_code(kc, code))


def daemon_log_lines(kc, needle: str) -> int:  # type: ignore[no-untyped-def]
    """How many lines of the running daemon's log contain `needle` (-1 if the log is not reachable)."""
    code = (
        "from napari_cuda._daemon_process import current_daemon as _cd\n"
        "_d = _cd()\n"
        f"print(-1 if _d is None else sum({needle!r} in _l for _l in open(_d.log_path, errors='replace')))"
    )
    try:
        return int(run_code(kc, code).strip())
    except (RuntimeError, ValueError):
        return -1


def result(name: str, **fields: object) -> dict:
    """A scenario result in the shape `make soak` aggregates."""
    base: dict = {"name": name, "faults": 0, "recoveries": 0, "worst_recovery_s": None, "crashes": 0}
    base.update({"orphans": 0, "notes": []})
    base.update(fields)
    return base
