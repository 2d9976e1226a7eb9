"""Scratch pyramids and daemon logs of killed kernels are reclaimed by the next process (real processes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from nc_support import child_env

from napari_cuda import _daemon_log, _scratch
from napari_cuda._daemon_log import KEPT_MARKER, LOG_PREFIX, DaemonLog, prune_kept_logs
from napari_cuda._owner import owned_dirs, process_start_time
from napari_cuda._scratch import SCRATCH_PREFIX, ScratchDir, sweep_dead_owners

# A "kernel" that writes a scratch directory, reports it and waits to be killed.
OWNER = (
    "import sys; from napari_cuda._scratch import ScratchDir; s = ScratchDir().acquire(); "
    "(s.path / 'level0').write_bytes(b'x' * 4096); print(s.path, flush=True); sys.stdin.readline()"
)


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "scratch"
    monkeypatch.setenv("NAPARI_CUDA_SCRATCH_DIR", str(root))
    return root


def start_owner(root: Path) -> tuple[subprocess.Popen[str], Path]:
    env = {**child_env(), "NAPARI_CUDA_SCRATCH_DIR": str(root)}
    child = subprocess.Popen(
        [sys.executable, "-c", OWNER], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env
    )
    assert child.stdout is not None
    path = Path(child.stdout.readline().strip())
    assert path.parent == root and (path / "level0").is_file(), path
    return child, path


def test_a_sigkilled_kernels_scratch_dir_is_swept_by_the_next_one(scratch: Path) -> None:
    child, path = start_owner(scratch)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    assert path.is_dir(), "no exit handler ran: the directory leaked"
    # The next process's first scratch directory sweeps it (a real second process).
    nxt, mine = start_owner(scratch)
    try:
        assert not path.exists()
        assert mine.is_dir()
    finally:
        nxt.communicate("\n", timeout=30)
    assert not mine.exists(), "a normal exit removes its own directory"


def test_a_live_owners_dir_is_kept(scratch: Path) -> None:
    child, path = start_owner(scratch)
    try:
        own = ScratchDir()
        assert sweep_dead_owners() == []
        assert path.is_dir() and own.path.is_dir()
    finally:
        child.communicate("\n", timeout=30)
        own.remove()


def test_a_reused_pid_does_not_keep_a_dir(scratch: Path) -> None:
    # The pid is alive (this test's), but the recorded start time is another process's.
    start = process_start_time(os.getpid())
    assert start is not None and start > 0, "Linux /proc/<pid>/stat field 22"
    scratch.mkdir()
    reused = scratch / f"{SCRATCH_PREFIX}{os.getpid()}-{start + 1}-abc"
    reused.mkdir()
    (reused / "zarr.json").write_text("{}")
    own = ScratchDir()
    try:
        assert sweep_dead_owners() == [reused]
        assert not reused.exists() and own.path.is_dir()
    finally:
        own.remove()


def test_other_users_dirs_links_and_foreign_names_are_left_alone(scratch: Path, tmp_path: Path) -> None:
    child, path = start_owner(scratch)
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=10)
    target = tmp_path / "elsewhere"
    target.mkdir()
    link = scratch / f"{SCRATCH_PREFIX}1-1-link"
    link.symlink_to(target)
    foreign = scratch / f"{SCRATCH_PREFIX}legacy"
    foreign.mkdir()
    other = scratch / f"{SCRATCH_PREFIX}1-1-other"
    other.mkdir()
    if os.getuid() == 0:
        os.chown(other, 65534, 65534)  # nobody's; only root can make one
    else:
        other.rmdir()
    assert sweep_dead_owners() == [path]
    assert link.is_symlink() and target.is_dir() and foreign.is_dir()
    assert other.is_dir() or os.getuid() != 0


def _kept_log() -> Path:
    log = DaemonLog()
    log.record("daemon failed")
    log.close(keep=True)
    return log._dir


def test_failed_run_logs_are_bounded_in_number(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    live = DaemonLog()  # a running daemon's log (this process is alive, no marker): never pruned
    kept = []
    for k in range(_daemon_log.MAX_KEPT_LOGS + 3):
        kept.append(_kept_log())
        os.utime(kept[-1], (k, k))  # distinct ages, oldest first
    remaining = sorted(d.path for d in owned_dirs(LOG_PREFIX, str(tmp_path)))
    assert remaining == sorted([live._dir, *kept[-_daemon_log.MAX_KEPT_LOGS :]])
    assert all((d / KEPT_MARKER).exists() and (d / "daemon.log").read_text() == "daemon failed\n" for d in kept[-3:])
    live.close(keep=False)
    assert not live._dir.exists()


def test_a_dead_kernels_unclosed_log_counts_as_kept(tmp_path: Path) -> None:
    script = "from napari_cuda._daemon_log import DaemonLog; import os; d = DaemonLog(); print(d.path, flush=True)"
    env = {**child_env(), "TMPDIR": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", script + "; os._exit(9)"], env=env, capture_output=True, text=True)
    left = Path(out.stdout.strip()).parent
    assert left.is_dir() and left.parent == tmp_path, out.stderr
    assert prune_kept_logs(keep=1, root=str(tmp_path)) == []
    assert prune_kept_logs(keep=0, root=str(tmp_path)) == [left]


def test_a_log_file_is_rotated_at_its_size_limit(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    monkeypatch.setattr(_daemon_log, "LOG_FILE_MAX_BYTES", 1000)
    log = DaemonLog()
    for k in range(500):
        log.record(f"line {k:04d}")
    files = sorted(log._dir.iterdir())
    assert [f.name for f in files] == ["daemon.log", "daemon.log.1"]
    assert all(f.stat().st_size <= 1000 for f in files)
    assert log.path.read_text().endswith("line 0499\n"), "the newest lines (a crash's) are kept"
    log.close(keep=False)


def test_the_sweep_runs_once_per_process(scratch: Path) -> None:
    monkey_state = _scratch._swept_by
    try:
        _scratch._swept_by = None
        child, path = start_owner(scratch)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        _scratch.sweep_once()
        assert not path.exists()
        child, path = start_owner(scratch)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
        _scratch.sweep_once()
        assert path.exists(), "the second call in the same process does nothing"
        assert sweep_dead_owners() == [path]
    finally:
        _scratch._swept_by = monkey_state
