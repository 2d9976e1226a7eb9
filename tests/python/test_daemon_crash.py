"""A daemon that hits an uncaught exception exits (status 1, no ffmpeg left) and the kernel starts a new one."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from nc_support import REPO, cmdline, descendants, first_frame, open_view, wait_gone

import napari_cuda
from napari_cuda import _daemon_process
from napari_cuda._daemon_process import get_daemon

# Preloaded into the daemon: SIGUSR2 throws on its main thread (no crash hook in the daemon's code).
CRASH_PRELOAD = REPO / "tests" / "support" / "crash-on-signal.cjs"


@pytest.fixture
def crashable(daemon_bundle: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process's daemons start with the crash preload (NODE_OPTIONS reaches them through child_env)."""
    _daemon_process.shutdown_daemon()  # a daemon started earlier has no preload
    monkeypatch.setenv("NODE_OPTIONS", f"--require {CRASH_PRELOAD}")
    yield
    _daemon_process.shutdown_daemon()


@pytest.mark.usefixtures("crashable")
def test_an_uncaught_exception_ends_the_daemon_and_the_viewer_gets_a_new_one() -> None:
    viewer = napari_cuda.Viewer()
    try:
        viewer.add_image(np.full((20, 20), 180, np.uint8), contrast_limits=(0, 255))
        viewer.camera.update(center=(9.5, 9.5), zoom=1)
        old = viewer._link.daemon
        canvas = {"width": 64, "height": 48, "pixel_ratio": 1}
        ws = open_view(old.port, old.view_token, viewer.model_id, viewer._viewer_state(), canvas)
        first_frame(ws, timeout=30)
        ffmpeg = [p for p in descendants(old.pid) if "ffmpeg" in cmdline(p)]
        assert ffmpeg, "the view's encoder runs ffmpeg"

        os.kill(old.pid, signal.SIGUSR2)
        assert old.wait_exited(15), "the daemon keeps serving after an uncaught exception"
        assert old._proc.returncode == 1
        assert wait_gone(ffmpeg, 5) == [], "ffmpeg children outlived the crashed daemon"
        ws.close()
        # The failed run's log is kept and says why.
        assert "uncaught exception; exiting" in old.log_path.read_text()

        # The next request starts a new daemon and sends the layers again.
        shot = viewer.screenshot(size=(20, 20))
        new = get_daemon()
        assert new is not old and new.alive and viewer._link.daemon is new
        assert shot[..., 0].min() == 180
    finally:
        viewer.close()
