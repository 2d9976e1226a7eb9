"""What the daemon launch needs: the bundled script, a Node.js binary, and the child's environment."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

MIN_NODE_MAJOR = 20
NODE_HINT = (
    "napari-cuda needs Node.js >= 20 to run its render daemon: install it (e.g. "
    "`conda install -c conda-forge nodejs`, or your system's package) or set NAPARI_CUDA_NODE "
    "to the path of a node binary."
)


def daemon_script() -> Path:
    """Path of the bundled daemon (napari_cuda/_daemon/daemon.js), whether it exists or not."""
    return Path(__file__).resolve().parent / "_daemon" / "daemon.js"


def checked_daemon_script() -> Path:
    """daemon_script(), or a RuntimeError saying how to get it."""
    script = daemon_script()
    if not script.is_file():
        raise RuntimeError(
            f"the napari-cuda daemon bundle is missing ({script}); reinstall napari-cuda, "
            "or in a source checkout run `npm run build:daemon`"
        )
    return script


def find_node() -> str:
    """The node binary: $NAPARI_CUDA_NODE, else `node` on PATH; RuntimeError if missing/old."""
    configured = os.environ.get("NAPARI_CUDA_NODE")
    node = shutil.which(configured) if configured else shutil.which("node")
    if node is None:
        where = f"NAPARI_CUDA_NODE={configured!r} is not an executable" if configured else "no `node` on PATH"
        raise RuntimeError(f"{NODE_HINT} ({where})")
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=15, check=True).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise RuntimeError(f"{NODE_HINT} ({node} --version failed: {exc})") from exc
    match = re.match(r"v(\d+)\.", out.strip())
    if match is None or int(match.group(1)) < MIN_NODE_MAJOR:
        raise RuntimeError(f"{NODE_HINT} ({node} is {out.strip() or 'of unknown version'})")
    return node


def child_env() -> dict[str, str]:
    """Our environment, plus NAPARI_CUDA_FFMPEG from imageio-ffmpeg when no ffmpeg is configured."""
    env = dict(os.environ)
    if not env.get("NAPARI_CUDA_FFMPEG") and shutil.which("ffmpeg") is None:
        try:
            import imageio_ffmpeg

            env["NAPARI_CUDA_FFMPEG"] = imageio_ffmpeg.get_ffmpeg_exe()
        except Exception:
            pass  # the daemon still tries its own bundled ffmpeg and reports what it found
    return env
