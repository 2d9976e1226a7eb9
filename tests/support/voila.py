"""Voilà for the e2e tests: a small viewer notebook (the quickstart's viewer), standalone `voila`,
and a client on the kernel a Voilà page runs."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import psutil
from jupyter_client import BlockingKernelClient
from playwright.sync_api import Page

from support.browser import canvas_rgba, psnr, wait_until
from support.lab import LabServer, free_port, run_code

QUICKSTART = Path(__file__).resolve().parents[2] / "examples" / "quickstart.ipynb"


def viewer_notebook(dest: Path, name: str = "viewer.ipynb") -> str:
    """The quickstart's code cells up to the one that shows the viewer (Voilà runs every cell
    before the page's widgets connect, so cells that wait for the view cannot run there)."""
    nb = json.loads(QUICKSTART.read_text())
    cells = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        cells.append({**cell, "outputs": [], "execution_count": None})
        if "napari_cuda.Viewer()" in "".join(cell["source"]):
            break
    (dest / name).write_text(json.dumps({**nb, "cells": cells}, indent=1))
    return name


def kernel_client(server_pid: int, timeout: float = 60) -> BlockingKernelClient:
    """A client on the only kernel the server `server_pid` runs (its connection file is the
    kernel's `-f` argument: standalone Voilà keeps it outside JUPYTER_RUNTIME_DIR)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        files = []
        for p in psutil.Process(server_pid).children(recursive=True):
            try:
                args = p.cmdline()
            except psutil.Error:
                continue
            if "-f" in args and "ipykernel_launcher" in " ".join(args):
                files.append(args[args.index("-f") + 1])
        if len(files) > 1:
            raise RuntimeError(f"several kernels: {files}")
        if files and Path(files[0]).exists():
            kc = BlockingKernelClient(connection_file=files[0])
            kc.load_connection_file()
            kc.start_channels()
            kc.wait_for_ready(timeout=30)
            return kc
        time.sleep(0.3)
    raise TimeoutError(f"no kernel under process {server_pid}")


class Voila:
    """Standalone `voila <notebook>` on 127.0.0.1 (no Jupyter server extensions: no jupyter-server-proxy)."""

    def __init__(self, root: Path, notebook: str, env: dict[str, str] | None = None) -> None:
        self.root = root
        self.notebook = notebook
        self.port = free_port()
        self.runtime_dir = root / ".runtime"
        self.log_path = root / ".voila.log"
        self.extra_env = env or {}
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    def start(self, timeout: float = 60) -> Voila:
        self.runtime_dir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(self.runtime_dir), **self.extra_env)
        cmd = [
            str(Path(sys.executable).parent / "voila"),
            self.notebook,
            "--no-browser",
            "--Voila.ip=127.0.0.1",
            f"--port={self.port}",
            "--Voila.port_retries=0",
            "--show_tracebacks=True",
        ]
        self._log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, env=env, cwd=self.root, stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"voila exited early:\n{self.log_tail()}")
            try:
                # A static file: asking for the notebook page itself would start a kernel.
                urllib.request.urlopen(f"{self.url}voila/static/voila.js", timeout=5).close()
                return self
            except urllib.error.HTTPError:
                return self  # it answers: up
            except OSError:
                time.sleep(0.3)
        raise TimeoutError(f"voila did not start in {timeout}s:\n{self.log_tail()}")

    def log_tail(self, n: int = 60) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self._log.close()
        self.proc = None


def stop_all(server: Voila | LabServer) -> list[str]:
    """Stop `server`; return its kernels and daemons still running 15 s later (then killed)."""
    assert server.proc is not None
    started = psutil.Process(server.proc.pid).children(recursive=True)
    server.stop()
    _, alive = psutil.wait_procs(started, timeout=15)
    for p in alive:
        p.kill()
    return [f"{p.pid}: {' '.join(p.cmdline())[:160]}" for p in alive]


@contextmanager
def viewer_lab(root: Path) -> Iterator[LabServer]:
    """JupyterLab on `root` with the viewer notebook (`viewer_notebook`); when done, the server is
    stopped and nothing it started may be left running."""
    viewer_notebook(root)
    server = LabServer(root).start()
    try:
        yield server
    finally:
        leftovers = stop_all(server)
    assert not leftovers, f"still running after the server stopped: {leftovers}"


def wait_matches_screenshot(
    page: Page, kc: BlockingKernelClient, tmp_path: Path, timeout: float = 20, view: int = 0
) -> np.ndarray:
    """Wait until view `view`'s canvas shows something and matches the daemon's screenshot (PSNR >= 30 dB);
    return the canvas. Polls: on a loaded machine the final full-resolution frame of a camera move
    can come after a pause longer than settle()'s. The screenshot is taken again every few seconds
    without a match: a camera write still in flight (a gesture's last throttled one) may land after
    the first, and the canvas must then match the state both ends agree on, not the earlier one."""
    f = tmp_path / "shot.npy"
    code = (
        f"import numpy as _np, json as _json; _np.save({str(f)!r}, viewer.screenshot()); "
        "print(_json.dumps({'center': list(viewer.camera.center), 'zoom': viewer.camera.zoom}))"
    )

    def shoot() -> tuple[np.ndarray, float, str]:
        camera = run_code(kc, code).strip()
        return np.load(f), time.monotonic(), camera

    shot, shot_at, shot_camera = shoot()
    scores: list[float] = []
    canvas = shot

    def matches() -> bool:
        nonlocal canvas, shot, shot_at, shot_camera
        canvas = canvas_rgba(page, view)
        ok = canvas.shape == shot.shape and canvas[..., :3].std() > 5
        scores.append(psnr(canvas, shot) if ok else 0.0)
        if scores[-1] < 30 and time.monotonic() - shot_at > 5:
            shot, shot_at, shot_camera = shoot()
        return scores[-1] >= 30

    try:
        wait_until(matches, timeout=timeout, interval=0.5)
        return canvas
    except TimeoutError:
        page_camera = page.evaluate(f"() => globalThis.__napariCuda.views[{view}].camera")
        raise AssertionError(
            f"the canvas never matched the screenshot: last PSNR {scores[-5:]} dB; kernel camera at the "
            f"last screenshot {shot_camera}, the page's {page_camera}"
        ) from None
