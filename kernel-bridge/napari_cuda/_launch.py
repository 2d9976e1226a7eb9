"""What the daemon launch needs: the bundled script, a Node.js binary, and the child's environment."""

from __future__ import annotations

import functools
import importlib.machinery
import os
import re
import shutil
import subprocess
import sys
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


def which(name: str) -> str | None:
    """shutil.which over the absolute PATH entries only.

    An empty or relative entry names (a folder under) the working directory, which may be a project
    folder other users can write: a binary planted there must not run implicitly. A name with a
    slash is a path the user chose and is used as given.
    """
    if os.sep in name:
        return shutil.which(name)
    entries = [p for p in os.environ.get("PATH", "").split(os.pathsep) if os.path.isabs(p)]
    return shutil.which(name, path=os.pathsep.join(entries)) if entries else None


def find_node() -> str:
    """The node binary: $NAPARI_CUDA_NODE, else `node` on PATH; RuntimeError if missing/old."""
    configured = os.environ.get("NAPARI_CUDA_NODE")
    node = which(configured) if configured else which("node")
    if node is None:
        where = f"NAPARI_CUDA_NODE={configured!r} is not an executable" if configured else "no `node` on PATH"
        raise RuntimeError(f"{NODE_HINT} ({where})")
    _check_node_version(node, os.stat(node).st_mtime_ns)
    return node


@functools.lru_cache(maxsize=8)
def _check_node_version(node: str, _mtime_ns: int) -> None:
    """Raise unless `node` is new enough; remembered per binary (a restarted daemon skips the run)."""
    try:
        out = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=15, check=True).stdout
    except (OSError, subprocess.SubprocessError) as exc:
        raise RuntimeError(f"{NODE_HINT} ({node} --version failed: {exc})") from exc
    match = re.match(r"v(\d+)\.", out.strip())
    if match is None or int(match.group(1)) < MIN_NODE_MAJOR:
        raise RuntimeError(f"{NODE_HINT} ({node} is {out.strip() or 'of unknown version'})")


def imageio_ffmpeg_exe() -> str | None:
    """The ffmpeg binary shipped inside the imageio-ffmpeg package, or None.

    Found without importing imageio_ffmpeg (its get_ffmpeg_exe() falls back to running a bare
    `ffmpeg` through PATH) and never from the working directory ('' on a kernel's sys.path).
    """
    cwd = Path.cwd().resolve()
    search = [p for p in sys.path if p and os.path.isabs(p) and Path(p).resolve() != cwd]
    spec = importlib.machinery.PathFinder.find_spec("imageio_ffmpeg", search)
    for location in (spec.submodule_search_locations or []) if spec is not None else []:
        for exe in sorted(Path(location, "binaries").glob("ffmpeg*")):
            if exe.is_file() and os.access(exe, os.X_OK):
                return str(exe)
    return None


def child_env() -> dict[str, str]:
    """Our environment, plus NAPARI_CUDA_FFMPEG from imageio-ffmpeg when no ffmpeg is configured.

    The daemon finds imageio-ffmpeg itself only in the site-packages that holds napari_cuda; this
    also covers one installed elsewhere on the kernel's sys.path (e.g. the user site).
    """
    env = dict(os.environ)
    if not env.get("NAPARI_CUDA_FFMPEG") and which("ffmpeg") is None:
        exe = imageio_ffmpeg_exe()
        if exe is not None:
            env["NAPARI_CUDA_FFMPEG"] = exe
        # else: the daemon reports that it found no ffmpeg (viewer.info(), the view's error)
    return env
