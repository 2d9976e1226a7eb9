"""The Jupyter server extension that turns Nagle off on proxied view streams (napari_cuda._proxy_nodelay)."""

from __future__ import annotations

import asyncio
import inspect
import logging
import socket
import subprocess
import sys
import types

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


def _plain_handler_class(browser: _Stream, daemon: _Stream, returns_future: bool) -> type:
    """A handler whose proxy_open is a plain method (as in older proxies): a value, or a Future."""

    class Handler:
        log = logging.getLogger("test-proxy")
        request = type("Request", (), {"path": "/proxy/1234/stream"})()

        def set_nodelay(self, value: bool) -> None:
            browser.set_nodelay(value)

        def proxy_open(self, host: str, port: int, proxied_path: str = "") -> object:
            def connect() -> str:
                self.ws = type("Ws", (), {"headers": {"X-Napari-Cuda-Stream": "1"}, "protocol": daemon})()
                return f"{host}:{port}{proxied_path}"

            if not returns_future:
                return connect()
            future = asyncio.get_running_loop().create_future()
            asyncio.get_running_loop().call_soon(lambda: future.set_result(connect()))
            return future

    return Handler


def test_a_plain_proxy_open_stays_plain_and_is_not_awaited(tcp_pair) -> None:  # type: ignore[no-untyped-def]
    browser, daemon = tcp_pair
    cls = _plain_handler_class(browser, daemon, returns_future=False)
    assert _proxy_nodelay.install(cls)
    assert not inspect.iscoroutinefunction(cls.proxy_open)
    assert cls().proxy_open("localhost", 1234, "/stream") == "localhost:1234/stream", "the value, not a coroutine"
    assert browser.nodelay() and daemon.nodelay()


def test_a_plain_proxy_open_returning_a_future_is_tuned_once_it_resolves(tcp_pair) -> None:  # type: ignore[no-untyped-def]
    browser, daemon = tcp_pair
    cls = _plain_handler_class(browser, daemon, returns_future=True)
    assert _proxy_nodelay.install(cls)

    async def open_it() -> object:
        pending = cls().proxy_open("localhost", 1234, "/stream")
        assert inspect.isawaitable(pending) and not browser.nodelay(), "not connected yet"
        return await pending

    assert asyncio.run(open_it()) == "localhost:1234/stream"
    assert browser.nodelay() and daemon.nodelay()


class _NoProxyOpen:
    pass


class _OtherSignature:
    async def proxy_open(self, url: str) -> None: ...


class _ExtraRequired:
    async def proxy_open(self, host: str, port: int, proxied_path: str, scheme: str) -> None: ...


@pytest.mark.parametrize("cls", [_NoProxyOpen, _OtherSignature, _ExtraRequired])
def test_an_unknown_proxy_handler_is_left_alone(cls: type) -> None:
    before = cls.__dict__.get("proxy_open")
    assert _proxy_nodelay.incompatibility(cls) is not None
    assert not _proxy_nodelay.install(cls)
    assert cls.__dict__.get("proxy_open") is before


class _ServerApp:
    log = logging.getLogger("test-serverapp")


@pytest.mark.parametrize("handler", [None, _NoProxyOpen, _OtherSignature])
def test_the_extension_warns_exactly_once_and_changes_nothing_on_an_unknown_proxy(
    handler: type | None, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    fake = types.ModuleType("jupyter_server_proxy.handlers")  # an unknown jupyter-server-proxy layout
    if handler is not None:
        fake.ProxyHandler = handler  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "jupyter_server_proxy.handlers", fake)
    before = handler.__dict__.get("proxy_open") if handler is not None else None
    with caplog.at_level(logging.INFO, logger="test-serverapp"):
        _proxy_nodelay._load_jupyter_server_extension(_ServerApp())
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "unknown jupyter-server-proxy" in warnings[0].getMessage()
    assert [r for r in caplog.records if r.levelno < logging.WARNING] == []
    if handler is not None:
        assert handler.__dict__.get("proxy_open") is before
