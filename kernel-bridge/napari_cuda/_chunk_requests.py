"""The pieces of a chunk request: settings, the server id, one connection, one job, region checks.

Used by _chunk_server.ChunkServer (see there for the protocol).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
from websockets.exceptions import WebSocketException
from websockets.sync.client import ClientConnection

from ._lazy_read import Signal

log = logging.getLogger("napari_cuda")

CHUNK_THREADS_VAR = "NAPARI_CUDA_CHUNK_THREADS"
MAX_CHUNK_THREADS = 256


def chunk_threads() -> int:
    """Worker threads per chunk server, from NAPARI_CUDA_CHUNK_THREADS (default min(8, CPU count))."""
    raw = os.environ.get(CHUNK_THREADS_VAR, "").strip()
    if not raw:
        return min(8, os.cpu_count() or 1)
    try:
        n = int(raw)
    except ValueError:
        n = 0
    if not 1 <= n <= MAX_CHUNK_THREADS:
        raise ValueError(f"{CHUNK_THREADS_VAR} must be an integer from 1 to {MAX_CHUNK_THREADS}, got {raw!r}")
    return n


_server_ids: dict[int, str] = {}
_server_ids_lock = threading.Lock()


def process_server_id() -> str:
    """This kernel process's chunk server id (random; a forked child gets its own)."""
    with _server_ids_lock:
        return _server_ids.setdefault(os.getpid(), secrets.token_urlsafe(24))  # 32 chars [A-Za-z0-9_-]


class Conn:
    """One /chunks connection: its socket, the lock that keeps a header next to its bytes, its requests."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.send_lock = threading.Lock()
        self.jobs: dict[int, Job] = {}  # guarded by the server's lock

    def send(self, header: dict[str, Any], payload: memoryview | None = None) -> None:
        """Send a JSON message (and its binary message right after it). A dead socket is the reader's concern."""
        with self.send_lock:
            try:
                self.ws.send(json.dumps(header))
                if payload is not None:
                    self.ws.send(payload)
            except (WebSocketException, OSError) as exc:
                log.debug("napari-cuda: chunk answer %s not sent: %s", header.get("req"), exc)

    def close(self) -> None:
        try:
            self.ws.close()
        except Exception:
            pass


class Job:
    """One chunk request: where it came from, what to compute, and its cancel flag."""

    __slots__ = ("conn", "req", "source_id", "lazy", "level", "start", "stop", "cancelled")

    def __init__(self, conn: Conn, req: int, source_id: str, lazy: Any, level: int, start: list[int], stop: list[int]):
        self.conn, self.req, self.source_id, self.lazy = conn, req, source_id, lazy
        self.level, self.start, self.stop = level, start, stop
        self.cancelled = Signal()  # wakes a thread waiting on its computation at once


def label(lazy: Any) -> str:
    return str(getattr(lazy, "label", None) or getattr(lazy, "name", None) or "unnamed")


def where(lazy: Any, level: int, start: Sequence[int], stop: Sequence[int]) -> str:
    region = ", ".join(f"{a}:{b}" for a, b in zip(start, stop, strict=True))
    return f"layer {label(lazy)!r} level {level} chunk [{region}]"


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def region(lazy: Any, msg: dict[str, Any]) -> tuple[int, list[int], list[int]]:
    """The (level, start, stop) a chunk request names, checked against the source; ValueError if bad."""
    level, start, stop = msg.get("level"), msg.get("start"), msg.get("stop")
    levels = lazy.levels
    if not is_int(level) or not 0 <= level < len(levels):
        raise ValueError(f"level {level!r:.40} is not one of the layer's {len(levels)} levels")
    shape = [int(n) for n in levels[level]["shape"]]
    ok = (
        isinstance(start, list)
        and isinstance(stop, list)
        and len(start) == len(stop) == len(shape)
        and all(is_int(a) and is_int(b) and 0 <= a < b <= n for a, b, n in zip(start, stop, shape, strict=True))
    )
    if not ok:
        raise ValueError(f"region start={start!r:.200} stop={stop!r:.200} is not inside level {level} (shape {shape})")
    return level, start, stop


def checked(array: Any, job: Job) -> np.ndarray:
    """The computed chunk as C-contiguous little-endian bytes of the source's dtype and the request's shape."""
    array = np.asarray(array)
    want_shape = tuple(b - a for a, b in zip(job.start, job.stop, strict=True))
    if array.shape != want_shape:
        raise ValueError(f"the computed chunk has shape {array.shape}, expected {want_shape}")
    want = np.dtype(job.lazy.dtype).newbyteorder("<")
    if array.dtype != want:
        if array.dtype.newbyteorder("<") != want:
            raise ValueError(f"the computed chunk has dtype {array.dtype}, expected {want.name}")
        array = array.astype(want)
    return np.ascontiguousarray(array)
