"""The Jupyter server extension that turns Nagle off on proxied view streams (napari_cuda._proxy_nodelay)."""

from __future__ import annotations

import asyncio
import logging
import socket
import subprocess
import sys

import pytest

import napari_cuda
from napari_cuda import _proxy_nodelay


def test_declared_as_a_server_extension_that_loads_no_numpy_or_widgets() -> None:
    assert napari_cuda._jupyter_server_extension_points() == [{"module": "napari_cuda._proxy_nodelay"}]
    code = (
        "import sys, napari_cuda, napari_cuda._proxy_nodelay; "
        "print(sorted(m for m in ('numpy', 'ipywidgets', 'napari_cuda.viewer') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", "the Jupyter server imports the package for its extension only"


def test_wraps_jupyter_server_proxy_once(monkeypatch: pytest.MonkeyPatch) -> None:
    handlers = pytest.importorskip("jupyter_server_proxy.handlers")
    monkeypatch.setattr(handlers.ProxyHandler, "proxy_open", handlers.ProxyHandler.proxy_open)  # restored after
    assert _proxy_nodelay.install(handlers.ProxyHandler)
    wrapped = handlers.ProxyHandler.proxy_open
    assert _proxy_nodelay.install(handlers.ProxyHandler)
    assert handlers.ProxyHandler.proxy_open is wrapped, "installing twice must not wrap twice"

    class Old:
        pass

    assert not _proxy_nodelay.install(Old), "a handler without proxy_open is left alone"


class _Stream:
    """A tornado-like stream over a real TCP socket: set_nodelay sets the socket option."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock

    def set_nodelay(self, value: bool) -> None:
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, int(value))

    def nodelay(self) -> bool:
        return bool(self.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))


@pytest.fixture
def tcp_pair():  # type: ignore[no-untyped-def]
    srv = socket.create_server(("127.0.0.1", 0))
    a = socket.create_connection(srv.getsockname())
    b, _ = srv.accept()
    srv.close()
    yield _Stream(a), _Stream(b)
    a.close()
    b.close()


def _handler_class(header: dict[str, str], browser: _Stream, daemon: _Stream, fail: bool = False) -> type:
    """A handler shaped like jupyter-server-proxy's: proxy_open connects `ws` to the backend."""

    class Handler:
        log = logging.getLogger("test-proxy")
        request = type("Request", (), {"path": "/user/t/proxy/1234/stream"})()

        def set_nodelay(self, value: bool) -> None:
            if fail:
                raise OSError("socket closed")
            browser.set_nodelay(value)

        async def proxy_open(self, host: str, port: int, proxied_path: str = "", *, extra: int = 0) -> str:
            self.ws = type("Ws", (), {"headers": header, "protocol": daemon})()
            return f"{host}:{port}{proxied_path}+{extra}"

    return Handler


@pytest.mark.parametrize("header", [{"X-Napari-Cuda-Stream": "1"}, {}])
def test_the_wrapper_sets_nodelay_on_both_sockets_of_napari_cuda_streams_only(tcp_pair, header) -> None:  # type: ignore[no-untyped-def]
    browser, daemon = tcp_pair
    cls = _handler_class(header, browser, daemon)
    assert _proxy_nodelay.install(cls)
    result = asyncio.run(cls().proxy_open("localhost", 1234, "/stream", extra=1))
    assert result == "localhost:1234/stream+1", "arguments and result pass through"
    ours = bool(header)
    assert browser.nodelay() is ours and daemon.nodelay() is ours


def test_a_failure_to_tune_never_breaks_the_connection(tcp_pair, caplog) -> None:  # type: ignore[no-untyped-def]
    browser, daemon = tcp_pair
    cls = _handler_class({"X-Napari-Cuda-Stream": "1"}, browser, daemon, fail=True)
    _proxy_nodelay.install(cls)
    with caplog.at_level(logging.WARNING):
        assert asyncio.run(cls().proxy_open("localhost", 1, "/stream")) == "localhost:1/stream+0"
    assert "could not set TCP_NODELAY" in caplog.text
