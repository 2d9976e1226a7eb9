"""One notebook with a streaming viewer, open in a page, with a client on its kernel (for fault injection)."""

from __future__ import annotations

import time

from playwright.sync_api import Browser, Page

from support.browser import cell_errors, run_all_cells
from support.lab import LabServer
from support.recovery import VIEWER_CELL, open_in, start_sampler, wait_views, write_notebook
from support.recovery_procs import kernel_pid

# Keeps the first hello of every /stream socket the page opens (URL and text), for a raw client that
# joins the same viewer through the same proxy route (tests/support/stall_client.py).
CAPTURE_HELLO = """(() => {
  const send = WebSocket.prototype.send;
  const seen = new WeakSet();
  WebSocket.prototype.send = function (d) {
    if (typeof d === 'string' && this.url.includes('/stream') && !seen.has(this)) {
      seen.add(this);
      globalThis.__ncHello = { url: this.url, hello: d };
    }
    return send.call(this, d);
  };
})()"""


class NotebookSession:
    """`name`.ipynb with `cells` (default: one 768x512 image viewer), run in a fresh page."""

    def __init__(
        self, lab: LabServer, browser: Browser, name: str, cells: tuple[str, ...] = (VIEWER_CELL,), views: int = 1
    ) -> None:
        self.lab = lab
        self.browser = browser
        self.notebook = write_notebook(lab, name, *cells)
        self.name = name
        self.pages: list[Page] = []
        self.kc = None
        self.page = self.new_page()
        try:
            open_in(self.page, lab, self.notebook, f"rec-{name}")
            run_all_cells(self.page)
            self.kc = lab.kernel_client(self.notebook)
            try:
                wait_views(self.page, views)
            except Exception as err:
                raise AssertionError(self.diagnose(f"{views} view(s) of {name} did not stream")) from err
            start_sampler(self.page)
            self.kpid = kernel_pid(self.kc)
        except BaseException:
            self.close()
            raise

    def diagnose(self, what: str) -> str:
        """`what`, with the notebook's cell errors, the page's console and the server log tail."""
        try:
            errors = cell_errors(self.page)
        except Exception as exc:
            errors = [f"(cell errors unreadable: {exc})"]
        console = "\n".join(self.console[-30:])
        return f"{what}; cells: {errors}\nconsole:\n{console}\nserver:\n{self.lab.log_tail(30)}"

    def new_page(self) -> Page:
        page = self.browser.new_page(viewport={"width": 1200, "height": 1000})
        page.add_init_script(CAPTURE_HELLO)
        self.console: list[str] = []
        page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.pages.append(page)
        return page

    def save(self) -> None:
        """Save the notebook (its outputs then come back on a reload or in another tab)."""
        self.page.evaluate("() => window.jupyterapp.commands.execute('docmanager:save')")
        self.page.wait_for_function("() => !window.jupyterapp.shell.currentWidget.context.model.dirty", timeout=30_000)

    def kernel_id(self) -> str | None:
        for s in self.lab.api("api/sessions"):  # type: ignore[union-attr]
            if s.get("path") == self.notebook and s.get("kernel"):
                return str(s["kernel"]["id"])
        return None

    def wait_kernel_idle(self, timeout: float = 90) -> None:
        """Until the notebook's kernel (e.g. restarted by the server) reports idle."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            kid = self.kernel_id()
            if kid is not None:
                k = self.lab.api(f"api/kernels/{kid}")
                if isinstance(k, dict) and k.get("execution_state") == "idle":
                    return
            time.sleep(0.3)
        raise TimeoutError(f"the kernel of {self.notebook} did not come back within {timeout}s")

    def close(self) -> None:
        """Close the pages and shut the kernel down (and so its daemon). Never raises."""
        for page in self.pages:
            try:
                page.close()
            except Exception:
                pass
        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:
                pass
        try:
            kid = self.kernel_id()
            if kid is not None:
                self.lab.api(f"api/kernels/{kid}", method="DELETE")
        except Exception:
            pass
