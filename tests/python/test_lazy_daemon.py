"""Lazy (dask) layers end to end: add_image -> LazyImage -> the kernel's chunk server -> /chunks ->
the daemon's chunk cache -> screenshot, which must equal numpy of the same region."""

from __future__ import annotations

import logging
import os
import signal
import threading
import uuid
from collections.abc import Iterator
from typing import Any

import dask.array as da
import numpy as np
import pytest
from test_screenshot import reference

import napari_cuda
from napari_cuda._daemon_process import DaemonProcess, get_daemon

LIMITS = (0.0, 65535.0)


def pattern(y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The procedural image: level-0 value at (y, x)."""
    return ((y * 7 + x * 13) % 65536).astype(np.uint16)


_SEEN_LOCK = threading.Lock()
_SEEN: dict[str, list[set[tuple[int, int]]]] = {}  # blocks each Procedural's levels computed
_FAIL: dict[str, tuple[int, int]] = {}  # a level-0 block start that raises


def _block(zeros: np.ndarray, key: str, k: int, block_info: Any = None) -> np.ndarray:
    """One block of level `k` (module level, so that a dask.distributed worker can unpickle it)."""
    (y0, y1), (x0, x1) = block_info[None]["array-location"]
    with _SEEN_LOCK:
        _SEEN[key][k].add((y0, x0))
    if k == 0 and _FAIL.get(key) == (y0, x0):
        raise ZeroDivisionError("bad block")
    y, x = np.mgrid[y0:y1, x0:x1]
    return pattern(y << k, x << k)


class Procedural:
    """A multiscale list of dask levels computed by `pattern` (level k samples every 2**k-th pixel);
    `blocks[k]`: the starts of the blocks level k computed (in this process: threads or inproc workers)."""

    def __init__(self, side: int, chunk: int, levels: int, fail_at: tuple[int, int] | None = None) -> None:
        key = uuid.uuid4().hex
        self.blocks: list[set[tuple[int, int]]] = [set() for _ in range(levels)]
        _SEEN[key] = self.blocks
        if fail_at is not None:
            _FAIL[key] = fail_at
        self.levels = []
        for k in range(levels):
            n = side >> k
            base = da.zeros((n, n), chunks=(min(chunk, n),) * 2, dtype=np.uint16)
            self.levels.append(base.map_blocks(_block, key, k, dtype=np.uint16, name=f"procedural-{key}-{k}"))


def view(viewer: napari_cuda.Viewer, top: int, left: int, h: int, w: int) -> np.ndarray:
    """Screenshot of data[top:top+h, left:left+w] at one screen pixel per data pixel."""
    viewer.camera.update(center=(top + (h - 1) / 2, left + (w - 1) / 2), zoom=1)
    return viewer.screenshot(size=(h, w))


def covering(top: int, left: int, h: int, w: int, chunk: int) -> set[tuple[int, int]]:
    """Starts of the chunks that a region touches."""
    ys = range(top // chunk * chunk, top + h, chunk)
    xs = range(left // chunk * chunk, left + w, chunk)
    return {(y, x) for y in ys for x in xs}


@pytest.fixture
def cluster() -> Iterator[Any]:
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=2, processes=False, dashboard_address=None) as lc:
        with Client(lc) as client:
            yield client


def test_dask_array_draws_like_numpy_and_computes_only_what_is_seen(viewer: napari_cuda.Viewer) -> None:
    rng = np.random.default_rng(1)
    data = rng.integers(0, 65536, (700, 1100)).astype(np.uint16)
    layer = viewer.add_image(da.from_array(data, chunks=256), contrast_limits=LIMITS)
    assert layer.data.shape == data.shape and isinstance(layer.data, da.Array)
    np.testing.assert_array_equal(view(viewer, 0, 0, 700, 1100), reference(data, "gray", LIMITS, 1.0))
    np.testing.assert_array_equal(
        view(viewer, 123, 456, 200, 300), reference(data[123:323, 456:756], "gray", LIMITS, 1.0)
    )

    source = Procedural(side=8192, chunk=512, levels=5)  # 128 MiB level 0, 256 blocks
    viewer.layers.remove(layer)
    viewer.add_image(source.levels, multiscale=True, contrast_limits=LIMITS)
    shot = view(viewer, 3000, 5000, 256, 300)
    y, x = np.mgrid[3000:3256, 5000:5300]
    np.testing.assert_array_equal(shot, reference(pattern(y, x), "gray", LIMITS, 1.0))
    # Only the level-0 blocks on screen (a 256x300 view touches 1..4 of the 256).
    assert source.blocks[0] == covering(3000, 5000, 256, 300, 512)


def test_a_local_cluster_computes_the_chunks(viewer: napari_cuda.Viewer, cluster: Any) -> None:
    from distributed import get_task_stream

    source = Procedural(side=4096, chunk=512, levels=4)
    viewer.add_image(source.levels, multiscale=True, contrast_limits=LIMITS)
    with get_task_stream(cluster) as stream:
        shot = view(viewer, 1000, 1500, 200, 200)
    y, x = np.mgrid[1000:1200, 1500:1700]
    np.testing.assert_array_equal(shot, reference(pattern(y, x), "gray", LIMITS, 1.0))
    workers = set(cluster.scheduler_info()["workers"])
    ran = [t for t in stream.data if "procedural" in str(t["key"])]
    assert ran, stream.data
    assert {t["worker"] for t in ran} <= workers
    assert source.blocks[0] == covering(1000, 1500, 200, 200, 512)


def test_an_error_in_a_block_names_layer_and_chunk(
    viewer: napari_cuda.Viewer, caplog: pytest.LogCaptureFixture
) -> None:
    source = Procedural(side=2048, chunk=512, levels=2, fail_at=(512, 1024))
    broken = viewer.add_image(source.levels, multiscale=True, contrast_limits=LIMITS, name="broken")
    good = np.arange(64 * 64, dtype=np.uint16).reshape(64, 64)
    with caplog.at_level(logging.ERROR, logger="napari_cuda"):
        with pytest.raises(napari_cuda.DaemonError) as err:
            view(viewer, 600, 1100, 64, 64)
    assert "layer 'broken'" in str(err.value) and "level 0 chunk [512:1024, 1024:1536]" in str(err.value)
    assert "ZeroDivisionError: bad block" in str(err.value)
    assert "layer 'broken' level 0 chunk [512:1024, 1024:1536]" in caplog.text and "Traceback" in caplog.text
    # The daemon keeps serving: other chunks of that layer, and other layers.
    np.testing.assert_array_equal(
        view(viewer, 0, 0, 64, 64), reference(pattern(*np.mgrid[0:64, 0:64]), "gray", LIMITS, 1.0)
    )
    broken.visible = False
    viewer.add_image(da.from_array(good, chunks=32), contrast_limits=(0, 4095), translate=(600, 1100))
    np.testing.assert_array_equal(view(viewer, 600, 1100, 64, 64), reference(good, "gray", (0, 4095), 1.0))


def test_a_restarted_daemon_serves_the_layer_again(viewer: napari_cuda.Viewer) -> None:
    data = np.arange(300 * 400, dtype=np.uint16).reshape(300, 400)
    layer = viewer.add_image(da.from_array(data, chunks=128), contrast_limits=LIMITS)
    expected = reference(data, "gray", LIMITS, 1.0)
    np.testing.assert_array_equal(view(viewer, 0, 0, 300, 400), expected)
    old: DaemonProcess = viewer._link.daemon
    source_id = layer._source.source_id
    assert old.chunk_server.serves(source_id)
    old_threads = old.chunk_server.name
    os.kill(old.pid, signal.SIGKILL)
    old._proc.wait(timeout=5)
    np.testing.assert_array_equal(view(viewer, 0, 0, 300, 400), expected)  # a new daemon, a new chunk server
    new = get_daemon()
    assert new is not old and new.chunk_server.serves(source_id)
    gone = [t for t in threading.enumerate() if t.name == old_threads or t.name.startswith(old_threads + "-")]
    assert not gone  # the old chunk server stopped with its daemon
    viewer.layers.remove(layer)
    assert not new.chunk_server.serves(source_id)
