"""LazyImage (kernel-side lazy data, issue 13) without a daemon: level planning, on-demand block-mean
levels equal to a numpy reference, only the needed dask blocks computed, the bounded tile cache,
cancelling on a LocalCluster, protocol dtypes, the bounded contrast sample, errors naming the chunk."""

from __future__ import annotations

import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import dask.array as da
import numpy as np
import pytest

from napari_cuda._lazy import Cancelled, LazyImage
from napari_cuda._lazy_cache import TileCache, cache_budget
from napari_cuda._plan import plan
from napari_cuda._pyramid import block_mean, plan_shapes

NEVER = threading.Event()
RNG = np.random.default_rng(13)


class Blocks:
    """A dask array whose blocks come from a function that counts its calls per block."""

    def __init__(self, shape: tuple[int, ...], chunks: tuple[int, ...], dtype: Any = np.uint16, fail_at=None) -> None:
        self.calls: Counter[tuple[int, ...]] = Counter()
        self.lock = threading.Lock()
        self.fail_at = fail_at
        self.array = da.map_blocks(self._block, chunks=da.core.normalize_chunks(chunks, shape), dtype=dtype)

    def _block(self, block_info: Any = None) -> np.ndarray:
        info = block_info[None]
        with self.lock:
            self.calls[tuple(info["chunk-location"])] += 1
        if tuple(info["chunk-location"]) == self.fail_at:
            raise ZeroDivisionError("bad block")
        (y0, y1), (x0, x1) = info["array-location"][-2:]
        yy, xx = np.mgrid[y0:y1, x0:x1]
        lead = sum(a for a, _ in info["array-location"][:-2])
        plane = ((yy * 7 + xx * 13 + lead * 101) % 4096).astype(info["dtype"])
        return np.broadcast_to(plane, info["chunk-shape"]).copy()

    def numpy(self) -> np.ndarray:
        out = self.array.compute()
        self.calls.clear()
        return out


def reference_levels(a: np.ndarray) -> list[np.ndarray]:
    out = [a]
    for _ in plan_shapes(a.shape)[1:]:
        out.append(block_mean(out[-1], a.dtype))
    return out


def whole(img: LazyImage, level: int) -> np.ndarray:
    shape = img.levels[level]["shape"]
    return img.compute(level, [0] * len(shape), shape, NEVER)


def test_levels_are_planned_like_the_scratch_pyramid() -> None:
    src = Blocks((3, 2500, 3001), (1, 700, 700))
    img = LazyImage([src.array], reduce=True, cache=TileCache(2**30))
    assert [lv["shape"] for lv in img.levels] == [[3, 2500, 3001], [3, 1250, 1501], [3, 625, 751]]
    assert [lv["chunks"] for lv in img.levels] == [[1, 700, 700], [1, 256, 256], [1, 256, 256]]
    assert img.levels[1]["factors"][:2] == [1.0, 2.0] and img.levels[2]["offset"][:2] == [0.0, 1.5]
    assert img.dtype == np.dtype("<u2") and sum(src.calls.values()) == 0  # nothing computed
    # Deep levels: a tile covers at most 2 x 2 level-0 chunks while it is >= 64 px, so the first
    # overview tile waits for 4 blocks (level 5 of 1024^2 blocks), not 64 (a fixed 256 px tile).
    deep = LazyImage([da.zeros((32768, 65536), chunks=1024, dtype="u2")], reduce=True, cache=TileCache(0))
    assert [lv["chunks"] for lv in deep.levels] == [[1024, 1024]] + [[256, 256]] * 3 + [[128, 128]] + [[64, 64]] * 2
    # Given levels: as given, offset 0; each level's own chunking.
    levels = [da.zeros((4096, 4096), chunks=1024), da.zeros((2048, 2048), chunks=(300, 200))]
    given = LazyImage(levels, cache=TileCache(0))
    assert [lv["chunks"] for lv in given.levels] == [[1024, 1024], [300, 200]]
    assert given.levels[1]["factors"] == [2.0, 2.0] and given.levels[1]["offset"] == [0.0, 0.0]
    # Chunk sides: clamped to [128, 2048], irregular dask chunks and plain arrays 512, never over the shape.
    assert LazyImage([da.zeros((50, 9000), chunks=(1, 5000))], cache=TileCache(0)).levels[0]["chunks"] == [50, 2048]
    irregular = da.zeros((2000, 2000), chunks=((100, 900, 1000), 1000))
    assert LazyImage([irregular], cache=TileCache(0)).levels[0]["chunks"] == [512, 1000]


def test_reduced_levels_equal_the_numpy_block_mean() -> None:
    src = Blocks((2, 1300, 2100), (1, 300, 500))
    ref = reference_levels(src.numpy())
    img = LazyImage([src.array], reduce=True, cache=TileCache(2**30))
    for level, expected in enumerate(ref):
        np.testing.assert_array_equal(whole(img, level), expected)
    part = img.compute(1, [1, 100, 333], [2, 611, 1049], NEVER)  # not aligned to any tile
    np.testing.assert_array_equal(part, ref[1][1:2, 100:611, 333:1049])
    assert part.flags.c_contiguous and part.dtype == np.uint16


def test_only_the_needed_blocks_are_computed_and_each_once_for_an_overview() -> None:
    src = Blocks((4096, 6144), (1024, 1024))
    img = LazyImage([src.array], reduce=True, cache=TileCache(2**30))
    img.compute(0, [1024, 2048], [2048, 3072], NEVER)
    assert src.calls == Counter({(1, 2): 1})
    # The coarsest level (1024 x 1536, level 2) tile by tile from 8 threads: every block once.
    top = len(img.levels) - 1
    shape, chunks = img.levels[top]["shape"], img.levels[top]["chunks"]
    regions = [
        ([y, x], [min(y + chunks[0], shape[0]), min(x + chunks[1], shape[1])])
        for y in range(0, shape[0], chunks[0])
        for x in range(0, shape[1], chunks[1])
    ]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda r: img.compute(top, r[0], r[1], NEVER), regions))
    assert set(src.calls) == {(i, j) for i in range(4) for j in range(6)}
    assert set(src.calls.values()) == {1}
    whole(img, 1)  # from cached tiles
    assert set(src.calls.values()) == {1}
    assert img.stats["chunks"] == 1 + len(regions) + 1 and img.stats["cancelled"] == 0


def test_the_tile_cache_stays_within_its_budget() -> None:
    src = Blocks((2048, 2048), (512, 512))
    ref = reference_levels(src.numpy())
    budget = 3 * 512 * 512 * 2  # three level-0 blocks
    cache = TileCache(budget)
    img = LazyImage([src.array], reduce=True, cache=cache)
    np.testing.assert_array_equal(whole(img, 1), ref[1])
    stats = cache.stats
    assert 0 < stats["bytes"] <= budget and stats["evictions"] > 0
    # Depth first: each level-0 block still computed once (used by its 4 level-1 tiles in a row).
    assert set(src.calls.values()) == {1}
    img.close()
    assert cache.stats["entries"] == 0


def test_cache_budget_is_validated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NAPARI_CUDA_KERNEL_CACHE_BYTES", "lots")
    with pytest.raises(ValueError, match="NAPARI_CUDA_KERNEL_CACHE_BYTES must be a number of bytes"):
        cache_budget()
    with pytest.raises(ValueError, match="NAPARI_CUDA_KERNEL_CACHE_BYTES"):
        LazyImage([da.zeros((10, 10))])
    monkeypatch.setenv("NAPARI_CUDA_KERNEL_CACHE_BYTES", "-1")
    with pytest.raises(ValueError, match="must be >= 0"):
        cache_budget()
    monkeypatch.setenv("NAPARI_CUDA_KERNEL_CACHE_BYTES", "4096")
    assert cache_budget() == 4096


def test_dtypes_become_protocol_dtypes_without_a_pass() -> None:
    src = Blocks((300, 300), (100, 100), dtype=np.int64)
    img = LazyImage([src.array], cache=TileCache(0))
    assert img.dtype == np.float64 and sum(src.calls.values()) == 0
    out = img.compute(0, [0, 0], [100, 100], NEVER)
    assert out.dtype == np.float64 and out[1, 1] == 20.0
    cases = [
        (np.array([[True, False], [False, True]]), np.uint8),
        (np.array([[1.5, 2.0], [3.0, 4.0]], np.float16), np.float32),
        (np.array([[1, 2], [3, 40000]], np.uint64), np.float64),
        (np.array([[1, 2], [3, 40000]], ">u2"), np.dtype("<u2")),
    ]
    for arr, want in cases:
        lazy = LazyImage([da.from_array(arr, chunks=1)], reduce=True, cache=TileCache(0))
        got = whole(lazy, 0)
        assert got.dtype == want and lazy.dtype == want
        np.testing.assert_array_equal(got, arr.astype(want))
    with pytest.raises(ValueError, match="dtype complex128"):
        LazyImage([da.zeros((4, 4), dtype=complex)], cache=TileCache(0))


def test_contrast_range_reads_a_bounded_sample() -> None:
    # 4 GiB of uint16 in 2048 blocks of 1024^2: the sample is the 2x2 blocks at the centre.
    src = Blocks((32768, 65536), (1024, 1024))
    lazy = plan(None, src.array, None, None, 10**9).lazy_images()[0]
    assert sum(src.calls.values()) == 0  # planning reads nothing
    lo, hi = lazy.contrast_range
    assert src.calls == Counter({(15, 31): 1, (15, 32): 1, (16, 31): 1, (16, 32): 1})
    assert 0 <= lo < hi <= 4095
    # A small coarsest given level is read whole (napari's multiscale rule); level 0 never.
    levels = [Blocks((8192, 8192), (1024, 1024)), Blocks((1024, 1024), (512, 512))]
    pyramid = LazyImage([b.array for b in levels], cache=TileCache(0))
    assert pyramid.contrast_range == (0.0, 4095.0)
    assert sum(levels[0].calls.values()) == 0 and sum(levels[1].calls.values()) == 4


def test_errors_name_the_layer_and_the_chunk() -> None:
    src = Blocks((4096, 4096), (1024, 1024), fail_at=(2, 1))  # 32 MiB: sampled at the centre
    img = LazyImage([src.array], reduce=True, cache=TileCache(2**30))
    img.label = "cells"
    match = r"layer 'cells' level 0 chunk \[2048:3072, 1024:2048\]: ZeroDivisionError: bad block"
    with pytest.raises(RuntimeError, match=match):
        _ = img.contrast_range
    with pytest.raises(ZeroDivisionError, match="bad block"):  # compute() lets the user's error through
        img.compute(1, [1024, 512], [1280, 768], NEVER)
    np.testing.assert_array_equal(img.compute(0, [0, 0], [256, 256], NEVER)[:1, :3], [[0, 13, 26]])


def test_a_cancelled_request_computes_nothing() -> None:
    src = Blocks((2048, 2048), (256, 256))
    img = LazyImage([src.array], reduce=True, cache=TileCache(2**30))
    gone = threading.Event()
    gone.set()
    with pytest.raises(Cancelled):
        img.compute(1, [0, 0], [256, 256], gone)
    assert sum(src.calls.values()) == 0 and img.stats["cancelled"] == 1


# The in-process cluster's block function and its gates (module level: the graph is pickled by reference).
GATE = {"started": threading.Event(), "release": threading.Event(), "workers": []}


def gated_block(x: np.ndarray) -> np.ndarray:
    import distributed

    GATE["workers"].append(distributed.get_worker().address)
    if x.flat[0] == 1:  # the slow block: waits until the test releases it
        GATE["started"].set()
        GATE["release"].wait(30)
    return x + 1


def test_a_local_cluster_computes_and_cancels_on_its_workers() -> None:
    distributed = pytest.importorskip("distributed")
    data = np.zeros((512, 256), np.uint16)
    data[256:] = 1
    arr = da.from_array(data, chunks=256).map_blocks(gated_block, dtype=np.uint16)
    img = LazyImage([arr], cache=TileCache(0))
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as lc:
        with distributed.Client(lc) as client:
            np.testing.assert_array_equal(img.compute(0, [0, 0], [256, 256], NEVER), data[:256] + 1)
            assert GATE["workers"] == [lc.workers[0].address]  # computed on the cluster's worker
            cancel, errors = threading.Event(), []

            def run() -> None:
                try:
                    img.compute(0, [256, 0], [512, 256], cancel)
                except BaseException as exc:
                    errors.append(exc)

            thread = threading.Thread(target=run)
            thread.start()
            try:
                assert GATE["started"].wait(30)
                cancel.set()
                thread.join(30)
            finally:
                GATE["release"].set()
            assert [type(e) for e in errors] == [Cancelled] and img.stats["cancelled"] == 1
            # The future was let go: the client drops it (on its event loop) and the scheduler forgets
            # the task once it leaves the worker (it was running behind the gate).
            deadline = time.monotonic() + 10
            while (client.futures or lc.scheduler.tasks) and time.monotonic() < deadline:
                time.sleep(0.02)
            assert not client.futures and not lc.scheduler.tasks


def test_planes_of_deep_dask_blocks_compute_each_block_once() -> None:
    # z browsing / 3D: level-0 tiles are one plane deep, the dask blocks 8 planes deep.
    src = Blocks((16, 512, 1536), (8, 256, 256))
    ref = src.numpy()
    img = LazyImage([src.array], reduce=True, cache=TileCache(2**30))
    for z in range(16):
        for y in (0, 256):
            for x in range(0, 1536, 256):
                got = img.compute(0, [z, y, x], [z + 1, y + 256, x + 256], NEVER)
                np.testing.assert_array_equal(got, ref[z : z + 1, y : y + 256, x : x + 256])
    assert set(src.calls) == {(i, j, k) for i in range(2) for j in range(2) for k in range(6)}
    assert set(src.calls.values()) == {1}  # 192 plane tiles from 24 blocks, each computed once
    np.testing.assert_array_equal(whole(img, 1), reference_levels(ref)[1])  # reduced from the same blocks
    np.testing.assert_array_equal(img.compute(0, [7, 100, 200], [9, 300, 400], NEVER), ref[7:9, 100:300, 200:400])
    assert set(src.calls.values()) == {1}
    # A block over a quarter of the budget stays out of the cache: computed per request instead.
    small = Blocks((16, 512, 512), (8, 256, 256))
    tight = LazyImage([small.array], cache=TileCache(4 * 8 * 256 * 256 * 2 - 1))
    for z in range(3):
        tight.compute(0, [z, 0, 0], [z + 1, 256, 256], NEVER)
    assert small.calls == Counter({(0, 0, 0): 3})
    # Given levels of dask arrays read through blocks too; the levels are never reduced along z.
    given = Blocks((16, 256, 256), (4, 128, 128))
    pyramid = LazyImage([given.array], cache=TileCache(2**30))
    for z in range(4):
        pyramid.compute(0, [z, 0, 0], [z + 1, 128, 128], NEVER)
    assert given.calls == Counter({(0, 0, 0): 1})
    assert [lv["shape"][0] for lv in img.levels] == [16, 16]
    # A given level whose blocks are its tiles keeps nothing in the kernel (the daemon caches the
    # chunk): kernel memory stays flat however far the view pans.
    flat, cache = Blocks((512, 512), (256, 256)), TileCache(2**30)
    panned = LazyImage([flat.array], cache=cache)
    for y in (0, 256):
        for x in (0, 256):
            panned.compute(0, [y, x], [y + 256, x + 256], NEVER)
    assert cache.stats["bytes"] == 0 and set(flat.calls.values()) == {1}


BARRIER = threading.Barrier(4, timeout=20)


def barrier_block(x: np.ndarray) -> np.ndarray:
    BARRIER.wait()  # passes only when 4 blocks run at the same time
    return x + 1


def test_the_contrast_sample_computes_its_chunks_together_and_keeps_them() -> None:
    BARRIER.reset()
    calls: Counter[tuple[int, ...]] = Counter()

    def counted(x: np.ndarray, block_info: Any = None) -> np.ndarray:
        calls[tuple(block_info[None]["chunk-location"])] += 1
        return barrier_block(x)

    base = da.zeros((8192, 8192), chunks=1024, dtype=np.uint16)  # 128 MiB: 2x2 chunks at the centre
    cache = TileCache(2**30)
    meta = np.empty((0, 0), np.uint16)  # else map_blocks calls the function once to find it
    img = LazyImage([base.map_blocks(counted, dtype=np.uint16, meta=meta)], reduce=True, cache=cache)
    assert img.contrast_range == (1.0, 1.0)  # the 4 blocks ran at once (else the barrier breaks)
    assert calls == Counter({(3, 3): 1, (3, 4): 1, (4, 3): 1, (4, 4): 1})
    # The first frame's tiles there come from the cache.
    np.testing.assert_array_equal(img.compute(0, [3072, 3072], [4096, 4096], NEVER), 1)
    np.testing.assert_array_equal(img.compute(1, [1536, 1536], [1792, 1792], NEVER), 1)
    assert sum(calls.values()) == 4


def test_images_of_one_dask_array_share_blocks_and_a_closed_one_keeps_nothing() -> None:
    src = Blocks((2048, 2048), (512, 512))
    cache = TileCache(2**30)
    a = LazyImage([src.array], reduce=True, cache=cache)
    b = LazyImage([src.array], reduce=True, cache=cache)
    a.compute(1, [0, 0], [256, 256], NEVER)
    b.compute(1, [0, 0], [256, 256], NEVER)
    b.compute(0, [0, 0], [512, 512], NEVER)
    assert src.calls == Counter({(0, 0): 1})  # the second viewer of the same array reuses the block
    a.close()
    a.close()
    b.compute(0, [0, 0], [512, 512], NEVER)
    assert src.calls == Counter({(0, 0): 1}) and cache.stats["entries"] > 0  # still open through b
    # A computation that finishes after close() does not put its tiles back.
    gate, entered = threading.Event(), threading.Event()

    def held(x: np.ndarray) -> np.ndarray:
        entered.set()
        assert gate.wait(TIMEOUT_S)
        return x

    c = LazyImage(
        [da.zeros((512, 512), chunks=256, dtype=np.uint8).map_blocks(held, dtype=np.uint8)], reduce=True, cache=cache
    )
    worker = threading.Thread(target=c.compute, args=(0, [0, 0], [256, 256], NEVER))
    worker.start()
    assert entered.wait(TIMEOUT_S)
    b.close()
    c.close()
    gate.set()
    worker.join(TIMEOUT_S)
    assert cache.stats["entries"] == 0 and cache.stats["bytes"] == 0


TIMEOUT_S = 20.0


FLAKY: dict[str, int] = {"calls": 0, "fail": 0}


def flaky_block(x: np.ndarray) -> np.ndarray:
    FLAKY["calls"] += 1
    if FLAKY["calls"] <= FLAKY["fail"]:
        raise KeyError(("piece-of-a-neighbour", 0, 0))  # what a task whose shared input was taken raises
    return x + 1


def test_a_cluster_task_that_lost_a_shared_input_is_computed_again() -> None:
    # Another request's cancel can take a task's shared input off a worker (map_overlap): the task
    # fails with KeyError (and the scheduler may refuse a graph so). The task runs again, a bounded
    # number of times; an error that stays is the user's and reaches them.
    distributed = pytest.importorskip("distributed")
    data = np.arange(256 * 256, dtype=np.uint16).reshape(256, 256)
    arr = da.from_array(data, chunks=256).map_blocks(flaky_block, dtype=np.uint16)
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None) as lc:
        with distributed.Client(lc):
            FLAKY.update(calls=0, fail=1)
            img = LazyImage([arr], cache=TileCache(0))
            np.testing.assert_array_equal(img.compute(0, [0, 0], [256, 256], NEVER), data + 1)
            assert FLAKY["calls"] == 2
            FLAKY.update(calls=0, fail=1000)
            with pytest.raises(KeyError, match="piece-of-a-neighbour"):
                LazyImage([arr], cache=TileCache(0)).compute(0, [0, 0], [256, 256], NEVER)
            # Tried again a bounded number of times: 3 runs of the task per submission, 4 submissions.
            assert 2 <= FLAKY["calls"] <= 12
