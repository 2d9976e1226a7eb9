"""Debian's Chromium driven by Playwright, and helpers to read the widget from the page."""

from __future__ import annotations

import base64
import shutil
import time
from pathlib import Path

import numpy as np
from playwright.sync_api import Browser, Page, Playwright, sync_playwright

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-features=Translate,MediaRouter",
]


def chromium_path() -> str:
    for p in ("/usr/bin/chromium", shutil.which("chromium") or "", shutil.which("chromium-browser") or ""):
        if p and Path(p).exists():
            return p
    raise RuntimeError("chromium not found: run scripts/ensure-system-deps.sh --browser")


def launch() -> tuple[Playwright, Browser]:
    pw = sync_playwright().start()
    browser = pw.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS, headless=True)
    return pw, browser


def open_notebook(page: Page, lab_url: str, token: str, notebook: str) -> None:
    # A fresh, named workspace per page so JupyterLab does not reopen other notebooks.
    ws = "t" + "".join(c if c.isalnum() else "-" for c in notebook)
    page.goto(f"{lab_url}lab/workspaces/{ws}/tree/{notebook}?reset&token={token}", wait_until="domcontentloaded")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=60_000)
    page.wait_for_selector(".jp-Notebook", timeout=60_000)
    # Wait until the notebook's kernel is connected and idle.
    page.wait_for_function(
        """() => {
          const w = window.jupyterapp.shell.currentWidget;
          const s = w && w.sessionContext;
          return !!(s && s.session && s.session.kernel && s.session.kernel.status === 'idle');
        }""",
        timeout=90_000,
    )


def run_all_cells(page: Page) -> None:
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")


def wait_run_all_done(page: Page, timeout: float = 300) -> None:
    """Wait until the open notebook's Run All has finished: the kernel is idle and every code cell
    has run, or a cell raised (the kernel then skips the rest)."""
    page.wait_for_function(
        """() => {
          const panel = window.jupyterapp.shell.currentWidget;
          const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
          if (!kernel || kernel.status !== 'idle') return false;
          const cells = panel.content.widgets.filter((c) => c.model.type === 'code');
          const failed = cells.some((c) => c.model.outputs.toJSON().some((o) => o.output_type === 'error'));
          return failed || cells.every((c) => c.model.executionCount !== null);
        }""",
        timeout=timeout * 1000,
        polling=250,
    )


def cell_errors(page: Page) -> list[str]:
    """'cell N: not run' or 'cell N: Ename: value' for each code cell of the open notebook that did not run cleanly."""
    return page.evaluate(
        """() => window.jupyterapp.shell.currentWidget.content.widgets
          .map((c, i) => [c, i]).filter(([c]) => c.model.type === 'code')
          .flatMap(([c, i]) => {
            const errs = c.model.outputs.toJSON().filter((o) => o.output_type === 'error');
            if (errs.length) return errs.map((o) => `cell ${i}: ${o.ename}: ${o.evalue}`);
            return c.model.executionCount === null ? [`cell ${i}: not run`] : [];
          })"""
    )


def run_cell_code(page: Page, code: str) -> None:
    """Append a cell with `code` at the end of the notebook and run it through the UI."""
    page.evaluate(
        """async (code) => {
          const app = window.jupyterapp;
          const panel = app.shell.currentWidget;
          const nb = panel.content;
          nb.activeCellIndex = nb.widgets.length - 1;
          await app.commands.execute('notebook:insert-cell-below');
          nb.activeCell.model.sharedModel.setSource(code);
          await app.commands.execute('notebook:run-cell');
        }""",
        code,
    )


def wait_frames(page: Page, min_frames: int = 1, view: int = 0, timeout: float = 60) -> dict:
    """Wait until the widget view has displayed `min_frames` decoded frames; return its stats."""
    page.wait_for_function(
        """([i, n]) => {
          const h = globalThis.__napariCuda;
          const v = h && h.views && h.views[i];
          return !!v && v.stats().frames >= n;
        }""",
        arg=[view, min_frames],
        timeout=timeout * 1000,
    )
    return page.evaluate("(i) => globalThis.__napariCuda.views[i].stats()", view)


def frames_shown(page: Page, view: int = 0) -> int:
    """Daemon frames the widget view has drawn so far."""
    return int(page.evaluate("(i) => globalThis.__napariCuda.views[i].frames", view))


def settle(page: Page, view: int = 0, quiet: float = 0.6, timeout: float = 20, loading: bool = False) -> None:
    """Wait until the view drew no new frame for `quiet` seconds (an idle viewer sends none) and,
    with `loading`, has no chunk loading; TimeoutError if it never went idle within `timeout`."""
    deadline = time.monotonic() + timeout
    last = -1
    while time.monotonic() < deadline:
        n = page.evaluate(
            """([i, loading]) => { const v = globalThis.__napariCuda.views[i];
                 return loading && v.meta !== null && v.meta.loading !== 0 ? -2 : v.frames; }""",
            [view, loading],
        )
        if n == last and n >= 0:
            return
        last = n
        time.sleep(quiet)
    raise TimeoutError(f"view {view} never went idle (frames kept arriving or chunks kept loading)")


def canvas_rgba(page: Page, view: int = 0) -> np.ndarray:
    """The view's canvas pixels as an (H, W, 4) uint8 array."""
    b64, w, h = page.evaluate(
        """(i) => {
          const c = globalThis.__napariCuda.views[i].canvas;
          const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
          let s = '';
          const step = 0x8000;
          for (let k = 0; k < d.length; k += step) s += String.fromCharCode.apply(null, d.subarray(k, k + step));
          return [btoa(s), c.width, c.height];
        }""",
        view,
    )
    return np.frombuffer(base64.b64decode(b64), dtype=np.uint8).reshape(h, w, 4)


def canvas_box(page: Page, view: int = 0) -> dict:
    """Scroll the view's canvas into view; return its bounding box in viewport (CSS) pixels."""
    return page.evaluate(
        """(i) => { const c = globalThis.__napariCuda.views[i].canvas;
                   c.scrollIntoView({block: 'center', inline: 'center'});
                   const r = c.getBoundingClientRect();
                   return {x: r.x, y: r.y, width: r.width, height: r.height}; }""",
        view,
    )


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    a = a[..., :3].astype(np.float64)
    b = b[..., :3].astype(np.float64)
    mse = float(np.mean((a - b) ** 2))
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def wait_until(pred, timeout: float = 10, interval: float = 0.1):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = pred()
        if last:
            return last
        time.sleep(interval)
    raise TimeoutError(f"condition not met in {timeout}s (last={last!r})")
