"""Browser end-to-end: another local user listening on [::1]:<daemon port> receives nothing.

jupyter-server-proxy's plain ``proxy/<port>`` route dials "localhost". Where localhost resolves to
::1 first (RHEL-family /etc/hosts), a listener on [::1]:<port> would receive the proxied stream
upgrade: the page's cookies and the view token. The widget names 127.0.0.1 in the route instead,
and the daemon may also hold [::1]:<port>. Here the Jupyter server's resolver returns ::1 first
for localhost (a config file in an extra JUPYTER_CONFIG_PATH dir); a positive control shows the
plain route is captured under that resolver; then the view must stream while the ::1 listener on
the daemon's port either cannot be bound (the daemon holds it) or accepts nothing. The second lab
runs the daemon as on a machine without IPv6 loopback (a node preload makes its ::1 listen fail),
so the daemon serves 127.0.0.1 alone: the route named in the URL must then be the only protection.
"""

from __future__ import annotations

import errno
import os
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

from support.browser import open_notebook, run_all_cells, run_cell_code, wait_frames, wait_until
from support.lab import LabServer, run_code

#: Marker the config file logs, so the test knows the resolver is installed in the server.
MARKER = "napari-cuda-test: localhost resolves to ::1 first"

#: Loaded by the Jupyter server at start (it is Python): tornado's resolver, ::1 first for localhost.
SERVER_CONFIG = f'''\
import socket
import sys

from tornado.netutil import DefaultLoopResolver, Resolver


class LocalhostV6First(DefaultLoopResolver):
    """localhost resolves to ::1 first, then 127.0.0.1 (as with RHEL's /etc/hosts)."""

    async def resolve(self, host, port, family=socket.AF_UNSPEC):
        addrs = await super().resolve(host, port, family)
        if host == "localhost" and family in (socket.AF_UNSPEC, socket.AF_INET6):
            addrs = [(socket.AF_INET6, ("::1", port, 0, 0))] + [a for a in addrs if a[0] != socket.AF_INET6]
        return addrs


Resolver.configure(LocalhostV6First)
print({MARKER!r}, file=sys.stderr, flush=True)
'''

SETUP = """\
import numpy as np
import napari_cuda
img = (np.arange(256 * 256, dtype=np.uint32).reshape(256, 256) % 251).astype(np.uint8)
viewer = napari_cuda.Viewer(width=320, height=240)
layer = viewer.add_image(img, colormap="gray", contrast_limits=(0, 255), name="image")
"""

#: Node preload for the daemon: listening on ::1 fails as on a machine without IPv6 loopback.
NO_V6_PRELOAD = """\
const net = require("node:net");
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const opts = args[0];
  if (opts !== null && typeof opts === "object" && opts.host === "::1") {
    const err = Object.assign(new Error("listen EADDRNOTAVAIL ::1 (test)"), { code: "EADDRNOTAVAIL" });
    process.nextTick(() => this.emit("error", err));
    return this;
  }
  return listen.apply(this, args);
};
"""

PORT_CODE = "from napari_cuda._daemon_process import current_daemon; print(current_daemon().port)"


class V6Listener:
    """A listener on [::1]:port that records every connection it accepts (and its first bytes)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        try:
            self.sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            self.sock.bind(("::1", port))
        except OSError:
            self.sock.close()
            raise
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.received: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                conn.settimeout(2)
                try:
                    data = conn.recv(65536)
                except OSError:
                    data = b""
                self.received.append(data)
                try:  # answer plain HTTP so a proxied GET completes at once
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                except OSError:
                    pass

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


def free_v6_port() -> int:
    with socket.socket(socket.AF_INET6) as s:
        s.bind(("::1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module", params=["daemon-default", "daemon-v4-only"])
def v6lab(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LabServer, str]]:
    """A JupyterLab whose resolver returns ::1 first for localhost; views go through the proxy only.
    "daemon-v4-only": the kernels' daemons cannot listen on ::1 (NODE_OPTIONS preload)."""
    root = tmp_path_factory.mktemp("v6lab")
    conf = tmp_path_factory.mktemp("v6conf")
    (conf / "jupyter_server_config.py").write_text(SERVER_CONFIG)
    extra = os.environ.get("JUPYTER_CONFIG_PATH")
    server = LabServer(root)
    with pytest.MonkeyPatch.context() as mp:  # the server (and its kernels) copy the environment at start
        mp.setenv("JUPYTER_CONFIG_PATH", str(conf) if not extra else f"{conf}{os.pathsep}{extra}")
        mp.setenv("NAPARI_CUDA_CONNECT", "proxy")
        if request.param == "daemon-v4-only":
            preload = conf / "no-v6.cjs"
            preload.write_text(NO_V6_PRELOAD)
            mp.setenv("NODE_OPTIONS", f"{os.environ.get('NODE_OPTIONS', '')} --require {preload}".strip())
        server.start()
    try:
        assert MARKER in Path(server.log_path).read_text(errors="replace"), "the resolver config was not loaded"
        yield server, request.param
    finally:
        server.stop()


def proxied_get(lab: LabServer, path: str) -> None:
    """GET lab.url + path (through jupyter-server-proxy); the answer does not matter."""
    req = urllib.request.Request(lab.url + path, headers={"Authorization": f"token {lab.token}"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            r.read()
    except (urllib.error.HTTPError, urllib.error.URLError, TimeoutError):
        pass


def test_plain_proxy_route_is_captured_under_this_resolver(v6lab: tuple[LabServer, str]) -> None:
    """Positive control: the resolver is in effect, so the unfixed route would have been captured."""
    lab, _ = v6lab
    listener = V6Listener(free_v6_port())
    try:
        port = listener.sock.getsockname()[1]
        proxied_get(lab, f"proxy/{port}/probe")
        wait_until(lambda: len(listener.received) > 0, timeout=10)
        assert listener.received[0].startswith(b"GET /probe"), listener.received[0][:200]
    finally:
        listener.close()


def test_v6_listener_on_the_daemon_port_receives_nothing(v6lab: tuple[LabServer, str], browser) -> None:  # type: ignore[no-untyped-def]
    lab, variant = v6lab
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(SETUP)]
    nbformat.write(nb, lab.root / "ipv6.ipynb")
    page = browser.new_page(viewport={"width": 900, "height": 700})
    console: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    open_notebook(page, lab.url, lab.token, "ipv6.ipynb")
    run_all_cells(page)
    kc = lab.kernel_client("ipv6.ipynb")
    listener: V6Listener | None = None
    try:
        run_code(kc, "assert 'layer' in globals()", timeout=120)
        port = int(run_code(kc, PORT_CODE).strip())
        try:
            listener = V6Listener(port)
            held = False
        except OSError as err:
            assert err.errno == errno.EADDRINUSE, f"bind [::1]:{port}: {err}"
            held = True  # the daemon holds [::1]:<port>: nobody else can listen there
        if variant == "daemon-v4-only":
            assert not held, "the preload should keep the daemon off ::1"
        print(f"daemon port {port}; [::1]:{port} held by the daemon: {held}")
        # The view connects (through the proxy) while the listener is up; then it streams a while.
        run_cell_code(page, "viewer")
        try:
            wait_frames(page, 1, timeout=60)
        except Exception as err:
            if listener is not None:  # the likely cause: the proxy dialed the listener instead of the daemon
                leaked = [d[:300] for d in listener.received]
                assert leaked == [], f"the ::1 listener on the daemon's port received connections: {leaked}"
            raise AssertionError("no frame; console:\n" + "\n".join(console[-30:]) + "\n" + lab.log_tail()) from err
        assert page.evaluate("() => globalThis.__napariCuda.views[0].transport") == "proxy"
        first = page.evaluate("() => globalThis.__napariCuda.views[0].frames")
        deadline = time.monotonic() + 3
        zoom = 1.0
        while time.monotonic() < deadline:
            zoom *= 1.05
            run_code(kc, f"viewer.camera.zoom = {zoom}")
            time.sleep(0.1)
        wait_until(lambda: page.evaluate("() => globalThis.__napariCuda.views[0].frames") > first, timeout=10)
        # A second view of the same viewer opens another proxied connection.
        run_cell_code(page, "viewer")
        wait_until(lambda: page.evaluate("() => globalThis.__napariCuda.views.length") >= 2, timeout=30)
        wait_frames(page, 1, view=1, timeout=60)
        if listener is not None:
            leaked = [d[:300] for d in listener.received]
            assert leaked == [], f"the ::1 listener on the daemon's port received connections: {leaked}"
    finally:
        if listener is not None:
            listener.close()
        kc.stop_channels()
        page.close()
        lab.shutdown_kernels()
