"""The daemon's output: the last lines in memory (for error messages) and a log file for debugging."""

from __future__ import annotations

import collections
import shutil
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import IO

TAIL_LINES = 200
LOG_FILE_MAX_BYTES = 20 * 1024 * 1024


class DaemonLog:
    """Bounded tail of the daemon's stderr plus a copy in a private (0700) temporary directory."""

    def __init__(self) -> None:
        self._dir = tempfile.mkdtemp(prefix="napari-cuda-")  # mkdtemp creates it with mode 0700
        self.path = Path(self._dir) / "daemon.log"
        self._tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
        self._lock = threading.Lock()
        self._file: IO[str] | None = open(self.path, "w", encoding="utf-8")
        self._bytes = 0

    def drain(self, stream: Iterable[bytes], prefix: str = "") -> None:
        """Record every line of `stream` until EOF (run it in a thread)."""
        for raw in stream:
            self.record(prefix + raw.decode("utf-8", "replace").rstrip("\n"))

    def record(self, line: str) -> None:
        """Keep one line in the tail and, up to the size limit, in the file."""
        self._tail.append(line)
        with self._lock:
            if self._file is None or self._bytes > LOG_FILE_MAX_BYTES:
                return
            self._file.write(line + "\n")
            self._file.flush()
            self._bytes += len(line) + 1
            if self._bytes > LOG_FILE_MAX_BYTES:
                self._file.write("[napari-cuda] log file limit reached; later lines are not kept\n")

    def tail(self, lines: int = TAIL_LINES) -> list[str]:
        """The last `lines` lines recorded."""
        return list(self._tail)[-lines:]

    def close(self, keep: bool) -> None:
        """Close the file; remove the directory unless `keep` (a failed run's log). Never raises."""
        with self._lock:
            if self._file is not None:
                self._file.close()
                self._file = None
        if not keep:
            shutil.rmtree(self._dir, ignore_errors=True)
