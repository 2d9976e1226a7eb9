"""A minimal WebSocket client over a plain socket, for hostile tests.

Unlike a real client library it sends whatever it is told: any headers (Origin, a wrong Bearer
token), invalid UTF-8 in text frames, reserved opcodes, unmasked frames, one frame announcing
64 MiB streamed slowly. It reports what the server did at the byte level: the HTTP status of a
refused upgrade, each message, and the close code (None when the TCP connection ended without a
close frame).
"""

from __future__ import annotations

import base64
import os
import socket
import struct
import time
from dataclasses import dataclass

OP_CONT, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA


class Closed(Exception):
    """The server closed the connection: `code` from its close frame, None without one."""

    def __init__(self, code: int | None, reason: str = "") -> None:
        super().__init__(f"closed ({code} {reason})")
        self.code = code
        self.reason = reason


@dataclass
class Message:
    """One data message from the server."""

    opcode: int
    data: bytes

    @property
    def text(self) -> str:
        """The payload as text (for OP_TEXT messages)."""
        return self.data.decode("utf-8", "replace")


def frame(opcode: int, payload: bytes, *, fin: bool = True, mask: bool = True, rsv: int = 0) -> bytes:
    """One client frame (masked unless `mask` is False, which servers must refuse)."""
    head = bytes([(0x80 if fin else 0) | (rsv << 4) | opcode])
    n = len(payload)
    mbit = 0x80 if mask else 0
    if n < 126:
        head += bytes([mbit | n])
    elif n < 1 << 16:
        head += bytes([mbit | 126]) + struct.pack(">H", n)
    else:
        head += bytes([mbit | 127]) + struct.pack(">Q", n)
    if not mask:
        return head + payload
    key = os.urandom(4)
    return head + key + _masked(payload, key)


def _masked(payload: bytes, key: bytes) -> bytes:
    if not payload:
        return b""
    n = len(payload)
    k = int.from_bytes((key * (n // 4 + 1))[:n], "big")
    return (int.from_bytes(payload, "big") ^ k).to_bytes(n, "big")


class RawWebSocket:
    """One connection. `status` is the upgrade's HTTP status (101 when open)."""

    def __init__(self, port: int, path: str, headers: dict[str, str] | None = None, timeout: float = 30.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self._buf = b""
        self.closed: Closed | None = None
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [
            f"GET {path} HTTP/1.1",
            f"Host: 127.0.0.1:{port}",
            "Upgrade: websocket",
            "Connection: Upgrade",
            f"Sec-WebSocket-Key: {key}",
            "Sec-WebSocket-Version: 13",
            *(f"{k}: {v}" for k, v in (headers or {}).items()),
        ]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.status = self._read_status(timeout)
        if self.status != 101:
            self.sock.close()

    def _read_status(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while b"\r\n\r\n" not in self._buf:
            if not self._fill(deadline):
                return 0  # closed without an HTTP answer
        head, self._buf = self._buf.split(b"\r\n\r\n", 1)
        try:
            return int(head.split(b"\r\n", 1)[0].split()[1])
        except (IndexError, ValueError):
            return 0

    def _fill(self, deadline: float) -> bool:
        """Read more bytes; False when the peer closed; TimeoutError past `deadline`."""
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("no answer from the daemon")
        self.sock.settimeout(left)
        try:
            chunk = self.sock.recv(1 << 16)
        except TimeoutError:
            raise TimeoutError("no answer from the daemon") from None
        except OSError:
            return False
        if not chunk:
            return False
        self._buf += chunk
        return True

    @property
    def open(self) -> bool:
        """True while upgraded and not closed."""
        return self.status == 101 and self.closed is None

    def send_raw(self, data: bytes) -> bool:
        """Write bytes; False (and marks the connection closed) when the peer is gone."""
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            if self.closed is None:
                self.closed = Closed(None, "write failed")
            return False

    def send_text(self, text: str | bytes) -> bool:
        """A text frame (bytes are sent as given, valid UTF-8 or not)."""
        return self.send_raw(frame(OP_TEXT, text.encode() if isinstance(text, str) else text))

    def send_binary(self, data: bytes) -> bool:
        """A binary frame."""
        return self.send_raw(frame(OP_BINARY, data))

    def recv(self, timeout: float) -> Message:
        """The next data message or pong (pings are answered); raises Closed or TimeoutError."""
        if self.closed is not None:
            raise self.closed
        deadline = time.monotonic() + timeout
        while True:
            got = self._parse()
            if got is not None:
                op, data = got
                if op == OP_PING:
                    self.send_raw(frame(OP_PONG, data))
                    continue
                if op == OP_CLOSE:
                    code = struct.unpack(">H", data[:2])[0] if len(data) >= 2 else None
                    self.closed = Closed(code, data[2:].decode("utf-8", "replace"))
                    self.send_raw(frame(OP_CLOSE, data[:2]))
                    self.sock.close()
                    raise self.closed
                return Message(op, data)
            if not self._fill(deadline):
                self.closed = Closed(None, "connection ended without a close frame")
                self.sock.close()
                raise self.closed

    def _parse(self) -> tuple[int, bytes] | None:
        """One whole frame from the buffer (server frames are unmasked and unfragmented here)."""
        b = self._buf
        if len(b) < 2:
            return None
        op, n, pos = b[0] & 0x0F, b[1] & 0x7F, 2
        if n == 126:
            if len(b) < 4:
                return None
            n, pos = struct.unpack(">H", b[2:4])[0], 4
        elif n == 127:
            if len(b) < 10:
                return None
            n, pos = struct.unpack(">Q", b[2:10])[0], 10
        if len(b) < pos + n:
            return None
        self._buf = b[pos + n :]
        return op, b[pos : pos + n]

    def barrier(self, timeout: float, seen: list[Message] | None = None) -> list[Message]:
        """Ping and read until its pong: every message the server sent before answering it.

        Messages are appended to `seen` as they come, so a caller still has them when Closed is raised.
        """
        token = os.urandom(8)
        self.send_raw(frame(OP_PING, token))
        seen = [] if seen is None else seen
        deadline = time.monotonic() + timeout
        while True:
            m = self.recv(max(0.0, deadline - time.monotonic()))
            if m.opcode == OP_PONG:
                if m.data == token:
                    return seen
                continue  # the daemon's unsolicited pongs (docs/protocol.md)
            seen.append(m)

    def close(self) -> None:
        """Close without waiting for the answer (never raises)."""
        try:
            if self.closed is None and self.status == 101:
                self.send_raw(frame(OP_CLOSE, struct.pack(">H", 1000)))
            self.sock.close()
        except OSError:
            pass
