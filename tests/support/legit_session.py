"""A legitimate session beside hostile traffic: a kernel-created viewer with an image and a view that
streams frames throughout (hello with the view token, a state change every 100 ms, an ack per frame).

Also /proc readings of the daemon (RSS, peak RSS, ffmpeg children) used to judge the daemon.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from typing import Any

from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from napari_cuda._control import _DIRECT
from napari_cuda._protocol import PROTOCOL_VERSION, parse_frame_header


def proc_kib(pid: int, field: str) -> int:
    """A /proc/<pid>/status field in KiB (VmRSS, VmHWM); 0 when the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class RssSampler:
    """Samples a pid's VmRSS every 10 ms in a thread; `peak_kib` is the largest seen."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.start_kib = proc_kib(pid, "VmRSS")
        self.peak_kib = self.start_kib
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self.peak_kib = max(self.peak_kib, proc_kib(self.pid, "VmRSS"))

    def stop(self) -> int:
        """Stop sampling; returns the growth (peak - start) in KiB."""
        self._stop.set()
        self._thread.join()
        self.peak_kib = max(self.peak_kib, proc_kib(self.pid, "VmRSS"))
        return self.peak_kib - self.start_kib


def ffmpeg_children(pid: int) -> list[int]:
    """The ffmpeg processes directly under `pid`."""
    out = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            name = stat[stat.index("(") + 1 : stat.rindex(")")]
            if (
                int(stat.rsplit(")", 1)[1].split()[1]) == pid
                and "ffmpeg" in name
                and stat.rsplit(")", 1)[1].split()[0] != "Z"
            ):
                out.append(int(entry.name))
        except (OSError, ValueError):
            continue
    return out


def hello_message(token: str, viewer_id: str, state: dict[str, Any], canvas: dict[str, Any]) -> dict[str, Any]:
    """The stream hello a browser view sends."""
    return {
        "type": "hello",
        "protocol": PROTOCOL_VERSION,
        "token": token,
        "viewer_id": viewer_id,
        "canvas": canvas,
        "codecs": ["avc1.42E028"],
        "seq": 0,
        "state": state,
    }


class LegitView:
    """One streaming view in a thread: acks every frame, moves the camera a little every 100 ms.

    `frames` counts frames received; `closed` holds the close code (or a description) once the
    connection ended; `errors` the error messages the daemon sent.
    """

    def __init__(self, port: int, token: str, viewer_id: str, state: dict[str, Any], canvas: dict[str, Any]) -> None:
        self.ws = connect(
            f"ws://127.0.0.1:{port}/stream", max_size=None, compression=None, ping_interval=None, **_DIRECT
        )
        self._state = state
        self._seq = 0
        self._send_lock = threading.Lock()
        self._stop = threading.Event()
        self.frames = 0
        self.last_frame_at = 0.0
        self.errors: list[dict[str, Any]] = []
        self.closed: str | None = None
        self._send(hello_message(token, viewer_id, state, canvas))
        self._reader = threading.Thread(target=self._read, daemon=True, name="legit-view-read")
        self._ticker = threading.Thread(target=self._tick, daemon=True, name="legit-view-tick")
        self._reader.start()
        self._ticker.start()

    def _send(self, msg: dict[str, Any]) -> None:
        with self._send_lock:
            self.ws.send(json.dumps(msg))

    def _read(self) -> None:
        while not self._stop.is_set():
            try:
                msg = self.ws.recv(timeout=0.5)
            except TimeoutError:
                continue
            except ConnectionClosed as exc:
                if not self._stop.is_set():
                    self.closed = f"closed {exc.rcvd.code if exc.rcvd else None}"
                return
            if isinstance(msg, bytes):
                header = parse_frame_header(msg)
                self.frames += 1
                self.last_frame_at = time.monotonic()
                try:
                    self._send({"type": "ack", "frame_id": header["frame_id"]})
                except ConnectionClosed:
                    continue
            else:
                body = json.loads(msg)
                if body.get("type") == "error":
                    self.errors.append(body)

    def _tick(self) -> None:
        center = list(self._state["camera"]["center"])
        while not self._stop.wait(0.1):
            self._seq += 1
            state = json.loads(json.dumps(self._state))
            state["camera"]["center"] = [center[0] + (self._seq % 8) * 0.25, *center[1:]]
            try:
                self._send({"type": "state", "seq": self._seq, "state": state})
            except ConnectionClosed:
                return

    def wait_frames(self, more_than: int, timeout: float) -> float | None:
        """Seconds until `frames` exceeds `more_than`, or None past `timeout` (or when closed)."""
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if self.frames > more_than:
                return time.monotonic() - t0
            if self.closed:
                return None
            time.sleep(0.01)
        return None

    def close(self) -> None:
        """Stop the threads and close the socket (never raises)."""
        self._stop.set()
        try:
            self.ws.close()
        except Exception:
            pass
        self._reader.join(timeout=3)
        self._ticker.join(timeout=3)


def new_view_streams(
    port: int, token: str, viewer_id: str, state: dict[str, Any], canvas: dict[str, Any], timeout: float
) -> dict[str, Any]:
    """Open a fresh view (retrying when refused, e.g. 503) until its first frame; what it took."""
    t0 = time.monotonic()
    attempts, refusals = 0, []
    while time.monotonic() - t0 < timeout:
        attempts += 1
        try:
            with connect(
                f"ws://127.0.0.1:{port}/stream", max_size=None, compression=None, open_timeout=5, **_DIRECT
            ) as ws:
                ws.send(json.dumps(hello_message(token, viewer_id, state, canvas)))
                while time.monotonic() - t0 < timeout:
                    msg = ws.recv(timeout=max(0.01, timeout - (time.monotonic() - t0)))
                    if isinstance(msg, bytes):
                        return {
                            "ok": True,
                            "attempts": attempts,
                            "seconds": time.monotonic() - t0,
                            "refusals": refusals,
                        }
        except InvalidStatus as exc:
            refusals.append(exc.response.status_code)
        except (ConnectionClosed, TimeoutError, OSError) as exc:
            refusals.append(type(exc).__name__)
        time.sleep(0.2)
    return {"ok": False, "attempts": attempts, "seconds": time.monotonic() - t0, "refusals": refusals[-10:]}
