"""Browser end-to-end: the quickstart's viewer rendered by Voilà as an app, in Chromium.

Two ways to run Voilà: as a Jupyter server extension (/voila/render/<nb>, jupyter-server-proxy is
loaded beside it, so views stream through the proxy) and standalone `voila nb.ipynb` (no server
extensions: on a page served from this machine views connect directly; from elsewhere only the
comm transport can reach the daemon)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_quickstart import kernel_camera

from support.browser import CHROMIUM_ARGS, canvas_rgba, chromium_path, psnr, settle, wait_frames, wait_until
from support.lab import LabServer, run_code
from support.voila import Voila, kernel_client, stop_all, viewer_lab, viewer_notebook, wait_matches_screenshot


def kernel_moves_the_canvas(page, kc, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A camera set in the kernel reaches the canvas, which then matches the daemon's screenshot."""
    settle(page)
    first = canvas_rgba(page)
    zoom = kernel_camera(kc)["zoom"]
    frames = page.evaluate("() => globalThis.__napariCuda.views[0].frames")
    run_code(kc, "viewer.camera.zoom = viewer.camera.zoom * 3; viewer.camera.center = (300.0, 400.0)")
    wait_until(lambda: abs(page.evaluate("() => globalThis.__napariCuda.views[0].camera.zoom") - zoom * 3) < 1e-6)
    wait_until(lambda: page.evaluate("() => globalThis.__napariCuda.views[0].frames") > frames, timeout=15)
    second = wait_matches_screenshot(page, kc, tmp_path)
    assert psnr(first, second) < 25, "the canvas did not change after the kernel moved the camera"


def open_app(page, url: str, console: list[str], log_tail, timeout: float = 90) -> None:  # type: ignore[no-untyped-def]
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.goto(url, wait_until="domcontentloaded")
    try:
        wait_frames(page, 1, timeout=timeout)
    except Exception as err:
        raise AssertionError(
            "no decoded frame; browser console:\n" + "\n".join(console[-40:]) + "\nserver:\n" + log_tail()
        ) from err


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    with viewer_lab(tmp_path_factory.mktemp("voila-ext")) as server:
        yield server


def test_voila_server_extension_streams_through_the_proxy(lab: LabServer, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    console: list[str] = []
    try:
        open_app(page, f"{lab.url}voila/render/viewer.ipynb?token={lab.token}", console, lab.log_tail)
        assert page.evaluate("() => globalThis.__napariCuda.views[0].transport") == "proxy"
        kc = kernel_client(lab.proc.pid)
        try:
            port = json.loads(run_code(kc, "import json; print(json.dumps(viewer.info()['port']))"))
            assert f"ws://127.0.0.1:{lab.port}{lab.base_url}proxy/127.0.0.1:{port}/stream" in sockets, sockets
            wait_matches_screenshot(page, kc, tmp_path)
            kernel_moves_the_canvas(page, kc, tmp_path)
        finally:
            kc.stop_channels()
    finally:
        page.close()


@pytest.fixture
def standalone(tmp_path: Path) -> Iterator[Voila]:
    viewer_notebook(tmp_path)
    server = Voila(tmp_path, "viewer.ipynb").start()
    try:
        yield server
    finally:
        leftovers = stop_all(server)
    assert not leftovers, f"still running after voila stopped: {leftovers}"


def test_standalone_voila_streams_on_this_machine(standalone: Voila, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Standalone Voilà has no proxy route; a page served from 127.0.0.1 falls back to direct loopback."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    console: list[str] = []
    try:
        open_app(page, standalone.url, console, standalone.log_tail)
        assert page.evaluate("() => globalThis.__napariCuda.views[0].transport") == "direct"
        kc = kernel_client(standalone.proc.pid)
        try:
            wait_matches_screenshot(page, kc, tmp_path)
            kernel_moves_the_canvas(page, kc, tmp_path)
        finally:
            kc.stop_channels()
    finally:
        page.close()


def test_standalone_voila_streams_to_a_remote_page(standalone: Voila, browser, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The same app reached under a non-local host name (Chromium maps it to 127.0.0.1), as a
    browser on another machine would: no proxy route, no direct loopback; only the comm transport works."""
    remote = browser.browser_type.launch(
        executable_path=chromium_path(),
        args=[
            *CHROMIUM_ARGS,
            "--host-resolver-rules=MAP voila.example 127.0.0.1",
            # WebCodecs needs a secure context; a remote deployment serves https, here plain http stands in.
            f"--unsafely-treat-insecure-origin-as-secure=http://voila.example:{standalone.port}",
        ],
        headless=True,
    )
    try:
        page = remote.new_page(viewport={"width": 1400, "height": 1000})
        console: list[str] = []
        url = standalone.url.replace("127.0.0.1", "voila.example")
        open_app(page, url, console, standalone.log_tail, timeout=40)
        assert page.evaluate("() => globalThis.__napariCuda.views[0].transport") == "comm"
        kc = kernel_client(standalone.proc.pid)
        try:
            wait_matches_screenshot(page, kc, tmp_path)
            kernel_moves_the_canvas(page, kc, tmp_path)
        finally:
            kc.stop_channels()
    finally:
        remote.close()
