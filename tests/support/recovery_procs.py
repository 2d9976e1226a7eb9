"""The processes under a Jupyter server that the recovery tests watch: kernels, their render daemons
(`node .../daemon.js`) and the daemons' ffmpeg encoders, found from the kernel down, never by name
across the machine (other users' daemons on a shared node are not ours to count)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import psutil

from support.lab import run_code


def kernel_pid(kc) -> int:  # type: ignore[no-untyped-def]
    return int(run_code(kc, "import os; print(os.getpid())").strip())


def is_daemon(p: psutil.Process) -> bool:
    try:
        return any(a.endswith("daemon.js") for a in p.cmdline())
    except psutil.Error:
        return False


def is_ffmpeg(p: psutil.Process) -> bool:
    try:
        return "ffmpeg" in Path(p.exe() or p.name()).name or "ffmpeg" in p.name()
    except psutil.Error:
        return False


def daemons_of(pid: int) -> list[psutil.Process]:
    """The render daemons started by process `pid` (a kernel)."""
    try:
        return [c for c in psutil.Process(pid).children() if is_daemon(c)]
    except psutil.Error:
        return []


def wait_daemon(kernel: int, timeout: float = 30, not_pid: int | None = None) -> psutil.Process:
    """The kernel's (running) daemon, other than `not_pid`; TimeoutError if none appears."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for d in daemons_of(kernel):
            if d.pid != not_pid and d.is_running() and d.status() != psutil.STATUS_ZOMBIE:
                return d
        time.sleep(0.1)
    raise TimeoutError(f"kernel {kernel} has no render daemon (other than {not_pid}) after {timeout}s")


def encoders_of(daemon: int) -> list[psutil.Process]:
    """The live ffmpeg children of a daemon (zombies not counted)."""
    try:
        kids = psutil.Process(daemon).children()
    except psutil.Error:
        return []
    return [k for k in kids if is_ffmpeg(k) and _alive(k)]


def _alive(p: psutil.Process) -> bool:
    try:
        return p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def busiest(procs: list[psutil.Process], window: float = 0.5) -> psutil.Process | None:
    """The process that used the most CPU over `window` s (the encoder in use)."""
    before: dict[int, float] = {}
    for p in procs:
        try:
            t = p.cpu_times()
            before[p.pid] = t.user + t.system
        except psutil.Error:
            pass
    time.sleep(window)
    best, used = None, -1.0
    for p in procs:
        try:
            t = p.cpu_times()
            d = t.user + t.system - before.get(p.pid, 0.0)
        except psutil.Error:
            continue
        if d > used:
            best, used = p, d
    return best


def wait_gone(pids: list[int], timeout: float) -> tuple[float | None, list[int]]:
    """Seconds until every pid exited (None if not within `timeout`), and the ones left."""
    t0 = time.monotonic()
    while True:
        left = [p for p in pids if psutil.pid_exists(p) and _alive(psutil.Process(p))]
        if not left:
            return time.monotonic() - t0, []
        if time.monotonic() - t0 > timeout:
            return None, left
        time.sleep(0.02)


def started_at(p: psutil.Process) -> float:
    """When `p` started, in time.time() seconds to the clock tick (psutil's create_time counts from
    /proc/stat's whole-second boot time, so it may be up to a second off the wall clock)."""
    boot = time.time() - time.clock_gettime(time.CLOCK_BOOTTIME)
    return p.create_time() - psutil.boot_time() + boot


def rss_mb(pid: int) -> float | None:
    try:
        return round(psutil.Process(pid).memory_info().rss / 2**20, 1)
    except psutil.Error:
        return None


class ProcessWatch:
    """Every daemon and ffmpeg seen under a process tree (the Jupyter server): at the end, any of them
    still alive whose parent is gone (or is no longer its starter) is an orphan."""

    def __init__(self, root: int) -> None:
        self.root = root
        self.seen: dict[int, tuple[int, float]] = {}  # pid -> (parent pid, create time)

    def scan(self) -> None:
        try:
            procs = psutil.Process(self.root).children(recursive=True)
        except psutil.Error:
            return
        for p in procs:
            if is_daemon(p) or is_ffmpeg(p):
                try:
                    self.seen.setdefault(p.pid, (p.ppid(), p.create_time()))
                except psutil.Error:
                    pass

    def orphans(self) -> list[dict]:
        """Seen processes still alive whose starter is gone."""
        out = []
        for pid, (ppid, created) in self.seen.items():
            try:
                p = psutil.Process(pid)
                if p.create_time() != created or not _alive(p):
                    continue
                if p.ppid() != ppid or not psutil.pid_exists(ppid):
                    out.append({"pid": pid, "cmd": " ".join(p.cmdline())[:120], "ppid": p.ppid()})
            except psutil.Error:
                continue
        return out

    def reap(self, timeout: float = 5.0) -> list[dict]:
        """Orphans that are still there after `timeout` s; each is then killed (we started it)."""
        deadline = time.monotonic() + timeout
        left = self.orphans()
        while left and time.monotonic() < deadline:
            time.sleep(0.2)
            left = self.orphans()
        for o in left:
            try:
                os.kill(o["pid"], signal.SIGKILL)
            except OSError:
                pass
        return left
