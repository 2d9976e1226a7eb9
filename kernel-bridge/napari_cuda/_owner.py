"""Temp directories named after the process that owns them, so a later process can remove the
ones whose owner died without cleaning up (SIGKILL, the OOM killer).

A directory is named ``<prefix><pid>-<start>-<random>``: `start` is the owner's start time
(Linux: field 22 of /proc/<pid>/stat, clock ticks since boot; 0 where there is no /proc). The
name is the record, not a file inside: it exists atomically with the directory (no window in
which a sweeper sees an unowned directory) and a Zarr writer that clears the directory cannot
remove it. A pid that is alive with another start time was reused: its owner is dead too.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import stat
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("napari_cuda")


def process_start_time(pid: int) -> int | None:
    """Start time of `pid` (/proc/<pid>/stat field 22); 0 without /proc; None if it is gone or a zombie."""
    try:
        text = Path(f"/proc/{pid}/stat").read_bytes().decode("latin-1")  # comm may be any bytes
    except FileNotFoundError:
        if not Path("/proc/self/stat").exists():  # no procfs (macOS): only existence can be checked
            return 0 if _pid_exists(pid) else None
        return None
    except OSError:
        return None
    # "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after the last ")".
    fields = text.rsplit(")", 1)[-1].split()
    if fields and fields[0] in ("Z", "X"):
        return None  # killed, not yet reaped: it will never clean up
    try:
        return int(fields[19])  # field 22; fields[0] is field 3
    except (IndexError, ValueError):
        return 0  # unreadable: treat as alive with an unknown start rather than remove a live owner's files


def _pid_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's process: alive
    return True


def owner_tag() -> str:
    """``<pid>-<start>`` of this process, for a directory name."""
    pid = os.getpid()
    return f"{pid}-{process_start_time(pid) or 0}"


def owner_alive(pid: int, start: int) -> bool:
    """True while the process that recorded (`pid`, `start`) still runs."""
    now = process_start_time(pid)
    return now is not None and (start == 0 or now == 0 or now == start)


def make_owned_dir(prefix: str, root: str | None = None) -> Path:
    """A new private (0700) directory ``<root>/<prefix><pid>-<start>-<random>``."""
    path = Path(tempfile.mkdtemp(prefix=f"{prefix}{owner_tag()}-", dir=root))
    os.chmod(path, 0o700)  # mkdtemp already does; say it where a reader looks for it
    return path


@dataclass(frozen=True)
class OwnedDir:
    """A directory of this user named by make_owned_dir."""

    path: Path
    pid: int
    start: int
    mtime: float

    @property
    def owner_alive(self) -> bool:
        """True while its owner process runs."""
        return owner_alive(self.pid, self.start)


def owned_dirs(prefix: str, root: str | None = None) -> Iterator[OwnedDir]:
    """This user's directories named by make_owned_dir(prefix) in `root` (default: the temp dir).

    Symbolic links, other users' directories and names of another form are skipped.
    """
    pattern = re.compile(re.escape(prefix) + r"(\d+)-(\d+)-")
    uid = os.getuid()
    try:
        entries = list(os.scandir(root or tempfile.gettempdir()))
    except OSError:
        return
    for entry in entries:
        match = pattern.match(entry.name)
        if match is None:
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue  # removed meanwhile
        if stat.S_ISDIR(st.st_mode) and st.st_uid == uid:
            yield OwnedDir(Path(entry.path), int(match.group(1)), int(match.group(2)), st.st_mtime)


def remove_dir(path: Path) -> bool:
    """Delete a directory tree; False (logged) if it could not be. Never raises; gone already is fine."""
    try:
        shutil.rmtree(path)
    except FileNotFoundError:
        pass  # another process swept it first
    except OSError as exc:
        log.warning("napari-cuda: could not remove %s: %s", path, exc)
        return False
    return True


def sweep_dead(prefix: str, root: str | None = None) -> list[Path]:
    """Remove this user's `prefix` directories whose owner process is dead; returns them."""
    removed = []
    for d in owned_dirs(prefix, root):
        if not d.owner_alive and remove_dir(d.path):
            removed.append(d.path)
    return removed
