"""Browser end-to-end: recovery from faults (issue 11, "Prove recovery"), one round of each.

The same scenarios, repeated and with a stalled client, are `make soak` (tests/soak/soak.py).
Recovery times are printed, not asserted tightly (a shared 2-core machine); the soak reports them.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.lab import LabServer, copy_examples
from support.recovery_faults import daemon_kill, ffmpeg_kill, kernel_kill, kernel_kill_cells
from support.recovery_procs import ProcessWatch
from support.recovery_session import NotebookSession
from support.recovery_views import multi_view, page_reload

# Loose bounds: a loaded CI machine must not fail these; `make soak` reports the real numbers
# against the targets (2 s daemon, 1 s ffmpeg, 3 s kernel).
DAEMON_BOUND_S = 10.0
FFMPEG_BOUND_S = 5.0


@pytest.fixture(scope="module")
def scratch_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("scratch")


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory, scratch_root: Path) -> Iterator[LabServer]:
    """A lab whose kernels write scratch pyramids under `scratch_root` (so the sweep can be checked)."""
    root = tmp_path_factory.mktemp("lab")
    copy_examples(root)
    old = os.environ.get("NAPARI_CUDA_SCRATCH_DIR")
    os.environ["NAPARI_CUDA_SCRATCH_DIR"] = str(scratch_root)
    try:
        server = LabServer(root).start()
    finally:
        if old is None:
            del os.environ["NAPARI_CUDA_SCRATCH_DIR"]
        else:
            os.environ["NAPARI_CUDA_SCRATCH_DIR"] = old
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def watch(lab: LabServer) -> Iterator[ProcessWatch]:
    assert lab.proc is not None
    w = ProcessWatch(lab.proc.pid)
    yield w
    w.reap(timeout=0)


@pytest.fixture(scope="module")
def streaming(lab: LabServer, browser) -> Iterator[NotebookSession]:  # type: ignore[no-untyped-def]
    s = NotebookSession(lab, browser, "rec_faults")
    try:
        yield s
    finally:
        s.close()


def show(res: dict) -> dict:
    print(res)
    return res


def test_daemon_kill_resumes_the_view(streaming: NotebookSession, watch: ProcessWatch) -> None:
    res = show(daemon_kill(streaming, watch))
    rnd = res["rounds"][0]
    assert "recovery_s" in rnd, res["notes"]
    # The view said it lost the stream ("reconnecting"; "connecting" reads "Reconnecting…" once a frame was shown).
    assert {"reconnecting", "connecting"} & set(rnd["statuses"]), rnd
    assert rnd["new_daemon"] and rnd["new_token"], rnd
    assert rnd["same_state"] and rnd["psnr_vs_before"] >= 30, rnd
    assert rnd["viewer_works"], rnd
    assert res["orphans"] == 0 and rnd["old_encoders_gone_s"] is not None, rnd
    assert rnd["recovery_s"] < DAEMON_BOUND_S, rnd


def test_ffmpeg_kill_resumes_with_a_keyframe(streaming: NotebookSession, watch: ProcessWatch) -> None:
    res = show(ffmpeg_kill(streaming, watch))
    assert res["faults"] == 1, res["notes"]
    assert res["crashes"] == 0 and res["orphans"] == 0, res
    assert res["recoveries"] == 1, res
    assert res["worst_recovery_s"] < FFMPEG_BOUND_S, res


def test_kernel_kill_ends_daemon_and_sweeps_scratch(lab, browser, watch, scratch_root) -> None:  # type: ignore[no-untyped-def]
    s = NotebookSession(lab, browser, "rec_kernel", cells=kernel_kill_cells())
    try:
        res = show(kernel_kill(s, watch, scratch_root))
    finally:
        s.close()
    assert res["scratch_dirs"] >= 1, res
    assert res["daemon_exit_s"] is not None and res["orphans"] == 0, res
    assert res["daemon_exit_s"] <= 3.0, res
    if not res["swept"] and not res.get("sweep_implemented", True):
        pytest.xfail("this build has no scratch sweep of dead kernels' directories (issue 11 item 6)")
    assert res["swept"], res


def test_page_reload_frees_the_old_view(lab, browser, watch) -> None:  # type: ignore[no-untyped-def]
    res = show(page_reload(lab, browser, watch))
    assert res["recoveries"] == res["faults"] == 1, res
    assert res["orphans"] == 0, res


def test_views_follow_each_other_and_survive_a_close(lab, browser, watch) -> None:  # type: ignore[no-untyped-def]
    res = show(multi_view(lab, browser, watch))
    assert res["views"] == 4, res
    assert res["followed"], res
    assert res["others_streaming"], res
    assert res["closed_freed"], res
    assert res["orphans"] == 0, res


def test_no_orphans_left(lab: LabServer, watch: ProcessWatch) -> None:
    lab.shutdown_kernels()
    watch.scan()
    assert watch.reap(timeout=5) == []
