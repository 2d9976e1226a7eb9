"""No orphans: when the Python process that started the daemon exits or is killed, the daemon
and its ffmpeg children are gone within 5 s (checked in /proc)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap

import pytest
from nc_support import child_env, cmdline, descendants, pid_alive, wait_gone

# A "kernel": makes a viewer, streams it to one view (so ffmpeg runs), reports the pids.
CHILD = textwrap.dedent(
    """
    import json, sys, time
    import numpy as np
    import napari_cuda
    from nc_support import first_frame, open_view

    viewer = napari_cuda.Viewer()
    viewer.add_image(np.random.default_rng(0).integers(0, 255, (64, 80)).astype(np.uint8))
    daemon = viewer._link.daemon
    canvas = {"width": 160, "height": 120, "pixel_ratio": 1}
    ws = open_view(daemon.port, daemon.view_token, viewer.model_id, viewer._viewer_state(), canvas)
    first_frame(ws, timeout=30)
    print(json.dumps({"daemon_pid": daemon.pid}), flush=True)
    if sys.argv[1] == "wait":
        time.sleep(600)
    sys.stdin.readline()  # the test looked at the process tree: now exit normally
    """
)


def start_child(mode: str) -> tuple[subprocess.Popen[str], int]:
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
    )
    line = child.stdout.readline() if child.stdout else ""
    if not line:
        child.kill()
        _, err = child.communicate(timeout=10)
        pytest.fail(f"child failed before reporting its daemon:\n{err[-3000:]}")
    return child, json.loads(line)["daemon_pid"]


def daemon_tree(daemon_pid: int) -> list[int]:
    """The daemon and everything below it; asserts that ffmpeg is among them."""
    below = descendants(daemon_pid)
    assert any("ffmpeg" in cmdline(p) for p in below), [cmdline(p) for p in below]
    return [daemon_pid, *below]


@pytest.mark.usefixtures("daemon_bundle")
def test_sigkill_of_the_kernel_leaves_no_orphans() -> None:
    child, daemon_pid = start_child("wait")
    try:
        tree = daemon_tree(daemon_pid)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=5)
        left = wait_gone(tree, 5)
        assert left == [], f"still running 5 s after the kernel died: {[cmdline(p) for p in left]}"
    finally:
        child.kill()
        child.communicate(timeout=10)
        for pid in [daemon_pid, *descendants(daemon_pid)]:
            if pid_alive(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.mark.usefixtures("daemon_bundle")
def test_normal_exit_leaves_no_orphans() -> None:
    child, daemon_pid = start_child("exit")
    try:
        tree = daemon_tree(daemon_pid)
        child.communicate("exit\n", timeout=15)
        assert child.returncode == 0
        left = wait_gone(tree, 5)
        assert left == [], f"still running 5 s after the kernel exited: {[cmdline(p) for p in left]}"
    finally:
        child.kill()
        child.communicate(timeout=10)
        for pid in [daemon_pid, *descendants(daemon_pid)]:
            if pid_alive(pid):
                os.kill(pid, signal.SIGKILL)
