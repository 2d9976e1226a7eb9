"""The benchmark's emulated link (tests/support/link_relay.py), measured through real sockets.

Bounds are loose on purpose (a shared 2-core machine): a relay that does not delay, does not cap,
or caps per connection instead of per link fails them; scheduling noise does not.
"""

from __future__ import annotations

import os
import socket
import statistics
import threading
import time
from collections.abc import Iterator

import pytest

from support.link_relay import PROFILES, LinkRelay

MB = 1 << 20


class Server:
    """A threaded TCP server on 127.0.0.1: `echo` sends every byte back; `sink` answers b"ok" after
    reading the 8-byte big-endian length that starts the stream and that many bytes."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.conns: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                c, _ = self.sock.accept()
            except OSError:
                return
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.conns.append(c)
            threading.Thread(target=self._serve, args=(c,), daemon=True).start()

    def _serve(self, c: socket.socket) -> None:
        try:
            if self.mode == "echo":
                while data := c.recv(1 << 16):
                    c.sendall(data)
            else:
                need = int.from_bytes(_recv_exactly(c, 8), "big")
                while need > 0:
                    data = c.recv(min(need, 1 << 16))
                    if not data:
                        return
                    need -= len(data)
                c.sendall(b"ok")
        except OSError:
            pass
        finally:
            c.close()

    def close(self) -> None:
        self.sock.close()
        for c in self.conns:
            c.close()


def _recv_exactly(s: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        data = s.recv(n - len(buf))
        if not data:
            raise ConnectionError("closed early")
        buf += data
    return buf


def _connect(port: int, sndbuf: int | None = None) -> socket.socket:
    s = socket.socket()
    if sndbuf is not None:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, sndbuf)
    s.connect(("127.0.0.1", port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.settimeout(20)
    return s


def _bulk(port: int, size: int, sndbuf: int | None = None) -> tuple[float, float]:
    """Send `size` bytes to the sink through `port`: (seconds until sendall returned, until the sink's ack)."""
    s = _connect(port, sndbuf)
    try:
        t0 = time.monotonic()
        s.sendall(size.to_bytes(8, "big") + os.urandom(size))
        sent = time.monotonic() - t0
        assert _recv_exactly(s, 2) == b"ok"
        return sent, time.monotonic() - t0
    finally:
        s.close()


@pytest.fixture
def echo() -> Iterator[Server]:
    srv = Server("echo")
    yield srv
    srv.close()


@pytest.fixture
def sink() -> Iterator[Server]:
    srv = Server("sink")
    yield srv
    srv.close()


def test_profiles() -> None:
    assert not PROFILES["loopback"].relayed
    assert (PROFILES["campus"].rtt_ms, PROFILES["campus"].rate_bps) == (30.0, 50e6)
    assert (PROFILES["remote"].rtt_ms, PROFILES["remote"].rate_bps) == (80.0, 10e6)


def test_small_messages_take_one_round_trip(echo: Server) -> None:
    with LinkRelay("127.0.0.1", echo.port, rtt_ms=80) as relay:
        s = _connect(relay.port)
        try:
            rtts = []
            for i in range(6):
                msg = b"ping %d" % i
                t0 = time.monotonic()
                s.sendall(msg)
                assert _recv_exactly(s, len(msg)) == msg
                rtts.append((time.monotonic() - t0) * 1000)
        finally:
            s.close()
    # The first message also pays the emulated TCP handshake (one more RTT).
    assert rtts[0] >= 150, rtts
    assert min(rtts[1:]) >= 78, rtts
    assert statistics.median(rtts[1:]) <= 120, rtts


def test_rate_cap_is_measured_and_shared_by_all_connections(sink: Server) -> None:
    rate_bps = 10e6
    with LinkRelay("127.0.0.1", sink.port, rtt_ms=20, rate_bps=rate_bps) as relay:
        _, took = _bulk(relay.port, 2 * MB)
        measured = 2 * MB * 8 / (took - 0.04)  # minus the handshake RTT and one RTT for data and ack
        assert 0.8 * rate_bps <= measured <= 1.2 * rate_bps, f"{measured / 1e6:.2f} Mbit/s through a 10 Mbit/s link"

        # Two transfers at once share the link: together they take as long as one of twice the size.
        results: list[float] = []
        threads = [threading.Thread(target=lambda: results.append(_bulk(relay.port, MB)[1])) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        both = 2 * MB * 8 / (max(results) - 0.04)
        assert 0.8 * rate_bps <= both <= 1.2 * rate_bps, f"{both / 1e6:.2f} Mbit/s for two connections"
        # The queue in front of the bottleneck stayed bounded (backpressure, not buffering).
        assert relay.up.max_backlog <= relay.up.queue_bytes + (64 << 10) * 2, relay.up.max_backlog

    with LinkRelay("127.0.0.1", sink.port, rtt_ms=20) as uncapped:
        _, fast = _bulk(uncapped.port, 2 * MB)
    assert fast < took / 3, f"uncapped {fast:.2f} s vs capped {took:.2f} s"


def test_backpressure_reaches_the_sender(sink: Server) -> None:
    with LinkRelay("127.0.0.1", sink.port, rate_bps=10e6) as relay:
        sent, took = _bulk(relay.port, 2 * MB, sndbuf=32 << 10)
    # Only the bounded queue and socket buffers (a few hundred KiB) can be accepted before the
    # link has carried the rest: sendall() returns near the end of the transfer.
    assert sent >= 0.6 * took, f"sendall returned after {sent:.2f} s of a {took:.2f} s transfer"


def test_many_connections_and_stop_leaves_nothing_open(echo: Server) -> None:
    fds_before = len(os.listdir("/proc/self/fd"))
    relay = LinkRelay("127.0.0.1", echo.port, rtt_ms=10, rate_bps=50e6).start()
    clients = [_connect(relay.port) for _ in range(20)]
    for i, c in enumerate(clients):
        c.sendall(b"hello %d" % i)
    for i, c in enumerate(clients):
        assert _recv_exactly(c, len(b"hello %d" % i)) == b"hello %d" % i
    assert relay.connections == 20
    port = relay.port
    relay.stop()
    relay.stop()  # idempotent
    # Every relayed connection was closed: the clients see EOF or a reset.
    for c in clients:
        try:
            assert c.recv(16) == b""
        except ConnectionResetError:
            pass
        c.close()
    assert not any(t.name == "link-relay" for t in threading.enumerate())
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    time.sleep(0.2)  # the echo server's threads close their ends
    echo.close()
    assert len(os.listdir("/proc/self/fd")) <= fds_before
