"""The server extension against real jupyter-server-proxy releases: the oldest we support and the newest.

Each release is pip-installed (no dependencies) into a folder under pytest's cache (.pytest_cache/,
downloaded once), put first on the path of a real Jupyter server that loads napari_cuda's
extension from this source tree, and a WebSocket is relayed through /proxy/<port>/stream to a
backend that answers like the daemon (X-Napari-Cuda-Stream). Needs network to PyPI on the first run.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from nc_support import BRIDGE
from websockets.sync.client import connect
from websockets.sync.server import serve


def oldest_supported() -> str:
    """The lower bound of the jupyter-server-proxy requirement in kernel-bridge/pyproject.toml."""
    pin = re.search(r'"jupyter-server-proxy>=([\d.]+)"', (BRIDGE / "pyproject.toml").read_text())
    assert pin is not None, "kernel-bridge/pyproject.toml must pin jupyter-server-proxy>=X"
    return pin.group(1) + ".0" * (2 - pin.group(1).count("."))


#: The newest release when this test was last updated (`pip index versions jupyter-server-proxy`).
NEWEST = "4.6.0"
VERSIONS = [oldest_supported(), NEWEST]


def proxy_release(cache: pytest.Cache, version: str) -> Path:
    """A folder holding exactly jupyter-server-proxy==`version` (installed once, then reused)."""
    target = cache.mkdir(f"jupyter-server-proxy-{version}")
    if not (target / "jupyter_server_proxy" / "handlers.py").is_file():
        cmd = [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target)]
        out = subprocess.run([*cmd, f"jupyter-server-proxy=={version}"], capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, f"pip could not install jupyter-server-proxy=={version}:\n{out.stderr[-2000:]}"
    return target


def path_env(release: Path) -> dict[str, str]:
    """That release first, then this source tree's napari_cuda, then the rest."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(release), str(BRIDGE), env.get("PYTHONPATH")) if p)
    return env


KIND_CHECK = """
import inspect, json, jupyter_server_proxy
from jupyter_server_proxy.handlers import ProxyHandler
from napari_cuda import _proxy_nodelay
original = ProxyHandler.proxy_open
installed = _proxy_nodelay.install(ProxyHandler)
print(json.dumps({
    "from": jupyter_server_proxy.__file__,
    "incompatibility": _proxy_nodelay.incompatibility(ProxyHandler),
    "installed": installed,
    "was_coroutine": inspect.iscoroutinefunction(original),
    "is_coroutine": inspect.iscoroutinefunction(ProxyHandler.proxy_open),
    "same_signature": str(inspect.signature(original)) == str(inspect.signature(ProxyHandler.proxy_open)),
    "wrapped": ProxyHandler.proxy_open.__wrapped__ is original,
}))
"""


@pytest.fixture
def backend() -> Iterator[int]:
    """An echo WebSocket server that answers the upgrade the way the daemon's /stream does."""

    def mark(connection, request, response):  # type: ignore[no-untyped-def]
        response.headers["X-Napari-Cuda-Stream"] = "1"

    def echo(ws) -> None:  # type: ignore[no-untyped-def]
        for message in ws:
            ws.send(message)

    with serve(echo, "127.0.0.1", 0, process_response=mark) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        yield server.socket.getsockname()[1]
        server.shutdown()


def start_server(root: Path, env: dict[str, str], token: str) -> tuple[subprocess.Popen[bytes], int, Path]:
    """`jupyter server` with jupyter-server-proxy and napari_cuda's extension, as the environment has them."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log_path = root / "server.log"
    cmd = [
        sys.executable,
        "-m",
        "jupyter_server",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
    ]
    if os.geteuid() == 0:
        cmd.append("--allow-root")
    env = {**env, "JUPYTER_RUNTIME_DIR": str(root / "runtime"), "JUPYTER_CONFIG_DIR": str(root / "config")}
    (root / "config").mkdir()
    extensions = {"ServerApp": {"jpserver_extensions": {"jupyter_server_proxy": True, "napari_cuda": True}}}
    (root / "config" / "jupyter_server_config.json").write_text(json.dumps(extensions))
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"jupyter server exited early:\n{log_path.read_text()[-3000:]}")
        try:
            req = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/status", headers={"Authorization": f"token {token}"}
            )
            urllib.request.urlopen(req, timeout=5).close()
            return proc, port, log_path
        except OSError:
            time.sleep(0.2)
    proc.kill()
    pytest.fail(f"jupyter server did not start:\n{log_path.read_text()[-3000:]}")


@pytest.mark.parametrize("version", VERSIONS)
def test_the_extension_with_a_real_jupyter_server_proxy(
    version: str, request: pytest.FixtureRequest, tmp_path: Path, backend: int
) -> None:
    release = proxy_release(request.config.cache, version)
    env = path_env(release)

    # The wrapper keeps the original's kind (coroutine function or plain) and signature.
    out = subprocess.run([sys.executable, "-c", KIND_CHECK], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, f"jupyter-server-proxy {version} cannot be used here:\n{out.stderr[-3000:]}"
    kind = json.loads(out.stdout.strip().splitlines()[-1])
    assert kind["from"].startswith(str(release)), kind
    assert kind["incompatibility"] is None and kind["installed"] and kind["wrapped"], kind
    assert kind["is_coroutine"] == kind["was_coroutine"] and kind["same_signature"], kind

    # The real thing: a Jupyter server with that release relays a stream; our wrapper tunes it.
    token = secrets.token_hex(8)
    proc, port, log_path = start_server(tmp_path, env, token)
    try:
        url = f"ws://127.0.0.1:{port}/proxy/{backend}/stream"
        with connect(url, additional_headers={"Authorization": f"token {token}"}, open_timeout=30) as ws:
            ws.send(b"frame")
            assert ws.recv(timeout=30) == b"frame", "the wrapped proxy_open still relays"
        deadline = time.monotonic() + 10
        while "TCP_NODELAY on the proxied stream" not in log_path.read_text() and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    log = log_path.read_text()
    assert "proxied view streams will be sent without Nagle delay" in log, log[-3000:]
    assert "napari-cuda: TCP_NODELAY on the proxied stream /proxy/" in log, log[-3000:]
    assert "could not set TCP_NODELAY" not in log and "unknown jupyter-server-proxy" not in log
