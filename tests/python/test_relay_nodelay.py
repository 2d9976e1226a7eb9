"""The server extension turns Nagle off on a kernel WebSocket once it carries a comm relay (_relay_nodelay)."""

from __future__ import annotations

import asyncio
import json
import logging
import socket

import pytest
from tornado import web, websocket
from tornado.httpserver import HTTPServer
from tornado.testing import bind_unused_port

from napari_cuda import _comm_relay, _relay_nodelay


def _relay_open(v1: bool) -> str | bytes:
    """The view's relay_open as a comm message from the page (JSON text, or bytes under the v1 subprotocol)."""
    content = {"data": {"method": "custom", "content": {"type": "relay_open", "relay": "r1", "untracked": True}}}
    text = json.dumps({"channel": "shell", "header": {"msg_type": "comm_msg"}, "content": content})
    return text.encode() if v1 else text


def test_the_mark_is_the_views_relay_open_type() -> None:
    assert json.loads(_relay_nodelay.RELAY_OPEN_MARK) in _comm_relay.RELAY_TYPES
    assert json.loads(_relay_nodelay.RELAY_OPEN_MARK) == "relay_open"


@pytest.mark.parametrize("v1", [False, True])
def test_a_relay_open_is_recognised_as_text_and_as_bytes(v1: bool) -> None:
    message = _relay_open(v1)
    assert _relay_nodelay.opens_relay(message)
    if isinstance(message, bytes):
        assert _relay_nodelay.opens_relay(memoryview(message))
        assert _relay_nodelay.opens_relay(bytearray(message))
    send = json.dumps({"content": {"data": {"content": {"type": "relay_send", "texts": ['{"type":"ack"}']}}}})
    assert not _relay_nodelay.opens_relay(send)
    assert not _relay_nodelay.opens_relay(send.encode())
    assert not _relay_nodelay.opens_relay(None)


def test_wraps_the_real_kernel_websocket_handler_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from jupyter_server.services.kernels.websocket import KernelWebsocketHandler

    monkeypatch.setattr(KernelWebsocketHandler, "on_message", KernelWebsocketHandler.on_message)  # restored after
    assert _relay_nodelay.install(KernelWebsocketHandler)
    wrapped = KernelWebsocketHandler.on_message
    assert _relay_nodelay.install(KernelWebsocketHandler)
    assert KernelWebsocketHandler.on_message is wrapped, "installing twice must not wrap twice"
    assert not _relay_nodelay.install(type("NoMessages", (), {})), "a handler without on_message is left alone"


class _Echo(websocket.WebSocketHandler):
    """A tornado WebSocket handler like the kernel's: it records what it got and whether Nagle is off."""

    seen: list[tuple[object, bool]] = []

    def on_message(self, message: str | bytes) -> None:
        sock = self.ws_connection.stream.socket  # type: ignore[union-attr]
        nodelay = bool(sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY))
        self.seen.append((message, nodelay))
        self.write_message("ok")


async def _exchange(messages: list[str | bytes]) -> list[tuple[object, bool]]:
    _Echo.seen = []
    sock, port = bind_unused_port()
    server = HTTPServer(web.Application([("/ws", _Echo)]))
    server.add_sockets([sock])
    try:
        client = await websocket.websocket_connect(f"ws://127.0.0.1:{port}/ws")
        for message in messages:
            client.write_message(message, binary=isinstance(message, bytes))
            assert await client.read_message() == "ok"
        client.close()
    finally:
        server.stop()
    return _Echo.seen


@pytest.mark.parametrize("v1", [False, True])
def test_nagle_goes_off_on_the_first_relay_open_and_only_then(monkeypatch: pytest.MonkeyPatch, v1: bool) -> None:
    monkeypatch.setattr(_Echo, "on_message", _Echo.on_message)
    assert _relay_nodelay.install(_Echo)
    other = b'{"msg_type": "execute_request"}' if v1 else '{"msg_type": "execute_request"}'
    seen = asyncio.run(_exchange([other, _relay_open(v1), other]))
    assert [message for message, _ in seen] == [other, _relay_open(v1), other], "every message passes through"
    # The flag is read inside the original on_message, after the wrapper has tuned the socket.
    assert [nodelay for _, nodelay in seen] == [False, True, True]


def test_a_failure_to_tune_never_breaks_the_socket(caplog: pytest.LogCaptureFixture) -> None:
    got: list[object] = []

    class Handler:
        log = logging.getLogger("test-relay-nodelay")

        def set_nodelay(self, value: bool) -> None:
            raise OSError("socket closed")

        def on_message(self, message: object) -> None:
            got.append(message)

    assert _relay_nodelay.install(Handler)
    handler = Handler()
    with caplog.at_level(logging.WARNING):
        handler.on_message(_relay_open(False))
        handler.on_message("next")
    assert got == [_relay_open(False), "next"]
    assert caplog.text.count("could not set TCP_NODELAY") == 1, "tried once, not on every message"
