"""A stalled browser: a raw WebSocket client through the real jupyter-server-proxy route that completes
the view's hello, keeps moving the camera, and never reads a byte (so never acks a frame)."""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import threading
from urllib.parse import urlsplit


def _frame(text: str) -> bytes:
    """One masked text frame (clients must mask)."""
    data = text.encode()
    mask = os.urandom(4)
    n = len(data)
    head = bytes([0x81])
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 1 << 16:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))


class StalledClient:
    """Joins the view whose hello the page sent (`url`, `hello`), then sends a new camera every
    `period` s from a thread and never reads; stop() closes the socket."""

    def __init__(self, lab_port: int, lab_token: str, url: str, hello: str, period: float = 0.05) -> None:
        path = urlsplit(url).path
        self.sock = socket.create_connection(("127.0.0.1", lab_port), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{lab_port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nAuthorization: token {lab_token}\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        head = b""
        while b"\r\n\r\n" not in head:  # read the upgrade answer only, byte by byte: nothing after it
            chunk = self.sock.recv(1)
            if not chunk:
                raise ConnectionError("the proxy closed the connection during the upgrade")
            head += chunk
        status = head.split(b"\r\n", 1)[0].decode(errors="replace")
        if " 101 " not in status:
            raise ConnectionError(f"upgrade through the proxy refused: {status}")
        self.hello = json.loads(hello)
        self.sock.sendall(_frame(hello))
        self.sent = 0
        self.blocked = False  # the send side filled up too (the proxy stopped reading from us)
        self._period = period
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="stalled-client", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        seq = int(self.hello["seq"])
        state = self.hello["state"]
        self.sock.settimeout(1.0)
        while not self._stop.wait(self._period):
            seq += 1
            state["camera"]["zoom"] = state["camera"]["zoom"] * (1.05 if seq % 20 < 10 else 1 / 1.05)
            try:
                self.sock.sendall(_frame(json.dumps({"type": "state", "seq": seq, "state": state})))
                self.sent += 1
            except TimeoutError:
                self.blocked = True
            except OSError:
                return

    def stop(self) -> None:
        """Stop sending and drop the connection. Never raises."""
        self._stop.set()
        self._thread.join(timeout=3)
        try:
            self.sock.close()
        except OSError:
            pass
