"""Browser end-to-end on a real JupyterHub: log in, start the server, run the quickstart, stream
through the Hub's proxy and the single-user server's jupyter-server-proxy."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from test_quickstart import kernel_camera

from support.browser import canvas_box, canvas_rgba, psnr, run_all_cells, settle, wait_frames, wait_until
from support.hub import HeaderListener, Hub
from support.lab import copy_examples, run_code
from support.voila import wait_matches_screenshot

USER = "tester"
NOTEBOOK = "quickstart.ipynb"


@pytest.fixture(scope="module")
def hub(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    h = Hub(tmp_path_factory.mktemp("hub"))
    h.home(USER).mkdir(parents=True)
    copy_examples(h.home(USER))
    h.start()
    try:
        yield h
    finally:
        h.stop()


@pytest.fixture(scope="module")
def session(hub: Hub, browser):  # type: ignore[no-untyped-def]
    """The user's page with the quickstart run in it, the page's WebSocket URLs, and a client on its kernel."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    hub.login(page, USER)
    page.goto(f"{hub.url}/user/{USER}/lab/workspaces/hub/tree/{NOTEBOOK}?reset", wait_until="domcontentloaded")
    page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell", timeout=60_000)
    page.wait_for_selector(".jp-Notebook", timeout=60_000)
    page.wait_for_function(
        """() => { const s = window.jupyterapp.shell.currentWidget?.sessionContext;
                   return !!(s && s.session && s.session.kernel && s.session.kernel.status === 'idle'); }""",
        timeout=90_000,
    )
    run_all_cells(page)
    kc = hub.kernel_client(USER, NOTEBOOK)
    try:
        run_code(kc, "assert 'viewer' in globals() and 'shot' in globals()", timeout=120)
        wait_frames(page, 1, timeout=60)
        hub.note_processes()  # the kernel and its daemon now exist
        yield page, sockets, kc
    finally:
        kc.stop_channels()
        page.close()


def test_view_streams_through_the_hub_proxy(session, hub: Hub, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page, sockets, kc = session
    assert page.evaluate("() => globalThis.__napariCuda.views[0].transport") == "proxy"
    port = json.loads(run_code(kc, "import json; print(json.dumps(viewer.info()['port']))"))
    expected = f"ws://127.0.0.1:{hub.port}/user/{USER}/proxy/127.0.0.1:{port}/stream"
    assert expected in sockets, sockets
    wait_matches_screenshot(page, kc, tmp_path)


def test_state_syncs_both_ways(session, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    page, _, kc = session
    settle(page)
    before = kernel_camera(kc)
    box = canvas_box(page)
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.move(cx, cy)
    page.mouse.down()
    for i in range(1, 11):
        page.mouse.move(cx - 12 * i, cy - 6 * i)
        time.sleep(0.02)
    page.mouse.up()
    zoom = before["zoom"]
    expected = (before["center"][0] + 60 / zoom, before["center"][1] + 120 / zoom)

    def landed() -> bool:
        c = kernel_camera(kc)
        return all(abs(c["center"][i] - expected[i]) < 2 / zoom for i in (0, 1))

    wait_until(landed, timeout=15)

    settle(page)
    first = canvas_rgba(page)
    frames = page.evaluate("() => globalThis.__napariCuda.views[0].frames")
    run_code(kc, "viewer.camera.zoom = viewer.camera.zoom * 3; viewer.camera.center = (300.0, 400.0)")
    wait_until(lambda: page.evaluate("() => globalThis.__napariCuda.views[0].frames") > frames, timeout=15)
    wait_until(lambda: abs(page.evaluate("() => globalThis.__napariCuda.views[0].camera.zoom") - zoom * 3) < 1e-6)
    second = wait_matches_screenshot(page, kc, tmp_path)
    assert psnr(first, second) < 25, "the canvas did not change after the kernel moved the camera"


def open_socket(page, url: str) -> str:  # type: ignore[no-untyped-def]
    """Open a WebSocket from the page; 'open' or 'failed' once the handshake is over."""
    return page.evaluate(
        """(url) => new Promise((resolve) => {
             const ws = new WebSocket(url);
             ws.onopen = () => { ws.close(); resolve('open'); };
             ws.onerror = () => resolve('failed');
           })""",
        url,
    )


def test_what_reaches_a_proxied_backend(session, hub: Hub, browser) -> None:  # type: ignore[no-untyped-def]
    """The headers jupyter-server-proxy passes to a loopback backend (the daemon's route, to a
    recording listener), and that another Hub user's browser cannot reach the user's daemon."""
    page, _, kc = session
    listener = HeaderListener()
    try:
        path = f"/user/{USER}/proxy/127.0.0.1:{listener.port}/stream"
        # jupyter-server-proxy accepts the page's socket before it dials the backend: it opens either way.
        open_socket(page, f"ws://127.0.0.1:{hub.port}{path}")
        req = wait_until(lambda: listener.requests and listener.requests[0], timeout=10)
        print("upgrade headers at the backend:", json.dumps(req, indent=1))
        cookies = sorted(SimpleCookie(req.get("cookie", "")).keys())
        print("cookies at the backend:", cookies)
        # jupyter-server-proxy forwards the request's Cookie header as is: the browser's cookies for
        # this path reach the backend. They are this user's own (their server's OAuth cookie, its
        # _xsrf, the Hub's session id), never the Hub's login cookie (scoped to /hub/).
        assert req["request-line"].startswith("GET /stream "), req
        assert set(cookies) <= {f"jupyterhub-user-{USER}", "_xsrf", "jupyterhub-session-id"}, cookies
        assert "jupyterhub-hub-login" not in cookies, cookies
        assert "authorization" not in req, req

        # Another user, logged in to the same Hub (their own server not started), tries the user's routes.
        other = browser.new_context()
        try:
            op = other.new_page()
            op.goto(f"{hub.url}/hub/login?next=/hub/token", wait_until="domcontentloaded")
            op.fill("#username_input", "intruder")
            op.fill("#password_input", hub.password)
            op.click("#login_submit")
            op.wait_for_url(f"{hub.url}/hub/token**", timeout=30_000)
            n = len(listener.requests)
            assert open_socket(op, f"ws://127.0.0.1:{hub.port}{path}") == "failed"  # refused before the proxy
            port = json.loads(run_code(kc, "import json; print(json.dumps(viewer.info()['port']))"))
            daemon = f"ws://127.0.0.1:{hub.port}/user/{USER}/proxy/127.0.0.1:{port}/stream"
            assert open_socket(op, daemon) == "failed"
            time.sleep(1)
            assert len(listener.requests) == n, "another user's request reached the user's backend"
        finally:
            other.close()
    finally:
        listener.close()


def test_everything_stops(session, hub: Hub) -> None:  # type: ignore[no-untyped-def]
    """Stopping the Hub stops the proxy, the single-user server, its kernel and the daemon."""
    _, _, kc = session
    kc.stop_channels()
    hub.note_processes()
    kinds = " ".join(hub.seen.values())
    for name in ("configurable-http-proxy", "jupyterhub-singleuser", "ipykernel"):
        assert name in kinds, f"{name} not among the hub's processes: {hub.seen}"
    assert any("daemon" in c for c in hub.seen.values()), hub.seen
    leftovers = hub.stop()
    assert not leftovers, f"still running after the hub stopped: {leftovers}"
