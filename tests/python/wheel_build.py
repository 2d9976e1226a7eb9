"""One napari-cuda wheel per test session, built from this checkout (test_wheel, test_fresh_install)."""

from __future__ import annotations

import functools
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from nc_support import BRIDGE, REPO


@functools.cache
def built_wheel() -> Path:
    """Build the wheel once (pip wheel, no dependencies, no npm run); AssertionError naming what failed."""
    for needed in (REPO / "labextension/package.json", BRIDGE / "napari_cuda/_daemon/daemon.js"):
        assert needed.is_file(), f"{needed} is missing: run `npm run build` first"
    out = Path(tempfile.mkdtemp(prefix="napari-cuda-wheel-"))
    # The npm build already ran (checked above); the jupyter-builder hook must not run npm here.
    env = {**os.environ, "SKIP_JUPYTER_BUILDER": "1"}
    cmd = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(out), str(BRIDGE)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    wheels = sorted(out.glob("napari_cuda-0.1.0-*.whl"))  # the tag: pure, or platform with the addon
    assert len(wheels) == 1, f"expected one wheel in {out}, found {[w.name for w in wheels]}"
    return wheels[0]
