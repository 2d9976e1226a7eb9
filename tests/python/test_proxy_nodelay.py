"""The Jupyter server extension that turns Nagle off on proxied view streams (napari_cuda._proxy_nodelay)."""

from __future__ import annotations

import socket

import pytest
from jupyter_server_proxy.handlers import ProxyHandler

import napari_cuda
from napari_cuda import _proxy_nodelay


def test_declared_as_a_server_extension() -> None:
    assert napari_cuda._jupyter_server_extension_points() == [{"module": "napari_cuda._proxy_nodelay"}]


def test_wraps_proxy_open_once_and_refuses_an_incompatible_handler() -> None:
    assert _proxy_nodelay.install(ProxyHandler)
    wrapped = ProxyHandler.proxy_open
    assert _proxy_nodelay.install(ProxyHandler)
    assert ProxyHandler.proxy_open is wrapped, "installing twice must not wrap twice"
    assert getattr(wrapped, "_napari_cuda_nodelay", False)

    class Old:
        pass

    assert not _proxy_nodelay.install(Old)


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
    yield a, b
    a.close()
    b.close()


@pytest.mark.parametrize("header", [{"X-Napari-Cuda-Stream": "1"}, {}])
def test_sets_nodelay_on_both_sockets_only_for_napari_cuda_streams(tcp_pair, header) -> None:  # type: ignore[no-untyped-def]
    browser_side, daemon_side = _Stream(tcp_pair[0]), _Stream(tcp_pair[1])
    ws = type("Ws", (), {"headers": header, "protocol": daemon_side})()
    handler = type("H", (), {"ws": ws, "set_nodelay": lambda self, v: browser_side.set_nodelay(v)})()
    ours = bool(header)
    assert _proxy_nodelay._set_nodelay(handler) is ours
    assert browser_side.nodelay() is ours and daemon_side.nodelay() is ours
