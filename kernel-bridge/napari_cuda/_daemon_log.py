"""The daemon's output: the last lines in memory (for error messages) and a log file for debugging.

The file lives in a private (0700) temp directory named after the kernel process (see _owner).
It is removed after a clean run and kept after a failed one; kept logs stay bounded: each is at
most two files of LOG_FILE_MAX_BYTES (the current one and the previous, so the lines around a crash
are always there), and starting a daemon removes all but this user's newest MAX_KEPT_LOGS kept
logs (a failed run's, or one whose kernel died without closing it).
"""

from __future__ import annotations

import collections
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from ._owner import make_owned_dir, owned_dirs, remove_dir

TAIL_LINES = 200
LOG_FILE_MAX_BYTES = 4 * 1024 * 1024
MAX_KEPT_LOGS = 10
LOG_PREFIX = "napari-cuda-log-"
#: Written into a log directory that is kept after a failed run.
KEPT_MARKER = "failed-run"


def prune_kept_logs(keep: int = MAX_KEPT_LOGS, root: str | None = None) -> list[Path]:
    """Remove all but the newest `keep` kept log directories of this user; returns those removed.

    Kept: marked by a failed run, or left by a kernel that died. Never raises.
    """
    kept = [d for d in owned_dirs(LOG_PREFIX, root) if (d.path / KEPT_MARKER).exists() or not d.owner_alive]
    kept.sort(key=lambda d: d.mtime, reverse=True)
    return [d.path for d in kept[keep:] if remove_dir(d.path)]


class DaemonLog:
    """Bounded tail of the daemon's stderr plus a copy in a private (0700) temporary directory."""

    def __init__(self) -> None:
        prune_kept_logs()
        self._dir = make_owned_dir(LOG_PREFIX)
        self.path = self._dir / "daemon.log"
        self._tail: collections.deque[str] = collections.deque(maxlen=TAIL_LINES)
        self._lock = threading.Lock()
        self._file: IO[str] | None = open(self.path, "w", encoding="utf-8")
        self._bytes = 0

    def drain(self, stream: Iterable[bytes], prefix: str = "") -> None:
        """Record every line of `stream` until EOF (run it in a thread)."""
        for raw in stream:
            self.record(prefix + raw.decode("utf-8", "replace").rstrip("\n"))

    def record(self, line: str) -> None:
        """Keep one line in the tail and in the file (rotated to daemon.log.1 at the size limit)."""
        self._tail.append(line)
        data = line[: LOG_FILE_MAX_BYTES // 4] + "\n"  # at most 4 bytes a character: one line fits a file
        size = len(data.encode("utf-8", "replace"))
        with self._lock:
            if self._file is None:
                return
            if self._bytes + size > LOG_FILE_MAX_BYTES:
                self._rotate()
            self._file.write(data)
            self._file.flush()
            self._bytes += size

    def _rotate(self) -> None:
        assert self._file is not None
        self._file.close()
        os.replace(self.path, self.path.with_name(self.path.name + ".1"))
        self._file = open(self.path, "w", encoding="utf-8")
        self._bytes = 0

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
            remove_dir(self._dir)
            return
        try:
            (self._dir / KEPT_MARKER).touch()
        except OSError:
            pass  # unmarked, it still counts as kept once this process is gone
        prune_kept_logs()
