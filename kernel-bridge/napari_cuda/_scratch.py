"""Private scratch directories for the pyramids the bridge writes (removed on close and at exit).

Large in-memory and dask arrays reach the daemon as an OME-Zarr pyramid on local disk rather than
as one message. Each pyramid gets its own directory (mode 0700: other users of a shared HPC node
must not read it) under NAPARI_CUDA_SCRATCH_DIR, else the system temp directory. It is deleted when
the last layer using it is removed or its viewer closes, and at interpreter exit for the rest.
"""

from __future__ import annotations

import atexit
import logging
import os
import shutil
import tempfile
import threading
from pathlib import Path

log = logging.getLogger("napari_cuda")

SCRATCH_ENV = "NAPARI_CUDA_SCRATCH_DIR"

_live: set[ScratchDir] = set()
_lock = threading.Lock()


def scratch_root() -> str | None:
    """Where scratch directories go: NAPARI_CUDA_SCRATCH_DIR (created if needed) or the temp dir."""
    root = os.environ.get(SCRATCH_ENV, "").strip()
    if not root:
        return None
    Path(root).mkdir(parents=True, exist_ok=True)
    return root


class ScratchDir:
    """A private directory shared by the layers of one pyramid; removed when the last one lets go."""

    def __init__(self, prefix: str = "napari-cuda-scratch-") -> None:
        self.path = Path(tempfile.mkdtemp(prefix=prefix, dir=scratch_root()))
        os.chmod(self.path, 0o700)  # mkdtemp already does; say it where a reader looks for it
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
        try:
            shutil.rmtree(self.path)
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("napari-cuda: could not remove scratch directory %s: %s", self.path, exc)


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
