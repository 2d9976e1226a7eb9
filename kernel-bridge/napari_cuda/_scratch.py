"""Private scratch directories for the pyramids the bridge writes (removed on close and at exit).

Large in-memory and dask arrays reach the daemon as an OME-Zarr pyramid on local disk rather than
as one message. Each pyramid gets its own directory (mode 0700: other users of a shared HPC node
must not read it) under NAPARI_CUDA_SCRATCH_DIR, else the system temp directory. It is deleted when
the last layer using it is removed or its viewer closes, and at interpreter exit for the rest.

A killed process (SIGKILL, the OOM killer) runs no exit handler, and temp directories on HPC nodes
are often RAM-backed: the directory's name records its owner (pid and start time, see _owner), and
the first scratch directory or daemon of a later process removes this user's directories whose
owner is dead (sweep_once).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from pathlib import Path

from ._owner import make_owned_dir, remove_dir, sweep_dead

log = logging.getLogger("napari_cuda")

SCRATCH_ENV = "NAPARI_CUDA_SCRATCH_DIR"
SCRATCH_PREFIX = "napari-cuda-scratch-"

_live: set[ScratchDir] = set()
_lock = threading.Lock()
_swept_by: int | None = None  # pid of the process that swept (a forked child sweeps again)


def scratch_root() -> str | None:
    """Where scratch directories go: NAPARI_CUDA_SCRATCH_DIR (created if needed) or the temp dir."""
    root = os.environ.get(SCRATCH_ENV, "").strip()
    if not root:
        return None
    Path(root).mkdir(parents=True, exist_ok=True)
    return root


def sweep_dead_owners() -> list[Path]:
    """Remove this user's scratch directories whose owner process died; returns them. Never raises."""
    try:
        return sweep_dead(SCRATCH_PREFIX, scratch_root())
    except Exception as exc:  # e.g. NAPARI_CUDA_SCRATCH_DIR cannot be created: ScratchDir reports that
        log.debug("napari-cuda: scratch sweep failed: %s", exc)
        return []


def sweep_once() -> None:
    """sweep_dead_owners() the first time this process calls it (first scratch dir or daemon start).

    Not at import: the Jupyter server imports the package for its extension, and a process that
    never writes a pyramid or starts a daemon should not touch the temp directory.
    """
    global _swept_by
    with _lock:
        if _swept_by == os.getpid():
            return
        _swept_by = os.getpid()
    sweep_dead_owners()


class ScratchDir:
    """A private directory shared by the layers of one pyramid; removed when the last one lets go."""

    def __init__(self) -> None:
        sweep_once()
        self.path = make_owned_dir(SCRATCH_PREFIX, scratch_root())
        self._refs = 0
        with _lock:
            _live.add(self)

    def __repr__(self) -> str:
        return f"ScratchDir({str(self.path)!r}, refs={self._refs})"

    def acquire(self) -> ScratchDir:
        """One more user (a layer) of this directory."""
        with _lock:
            self._refs += 1
        return self

    def release(self) -> None:
        """One user fewer; the directory is deleted with the last one. Never raises."""
        with _lock:
            self._refs -= 1
            last = self._refs <= 0
        if last:
            self.remove()

    def remove(self) -> None:
        """Delete the directory now (idempotent, never raises)."""
        with _lock:
            _live.discard(self)
        remove_dir(self.path)


def live_scratch_dirs() -> list[Path]:
    """Scratch directories not yet removed (for tests and diagnostics)."""
    with _lock:
        return [s.path for s in _live]


@atexit.register
def _remove_all() -> None:
    with _lock:
        dirs = list(_live)
    for scratch in dirs:
        scratch.remove()
