"""Reading one region of a lazy array in the kernel: dask (active scheduler or a distributed
Client, cancellable), zarr-python / h5py / anything with numpy slicing; protocol dtypes per chunk."""

from __future__ import annotations

import itertools
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import CancelledError
from typing import Any

import numpy as np

from ._arrays import is_dask
from ._protocol import DTYPES

CHUNK_DEFAULT = 512  # level-0 tile side when the array declares no usable chunking
CHUNK_MIN, CHUNK_MAX = 128, 2048  # a declared chunk side is clamped to this range
_POLL_S = 0.02  # how often a wait checks a cancel flag that cannot call back (a plain Event)
_PARALLEL_PARTS = 8  # threads for parts computed together on the local threaded scheduler (at least)
# dask's graph objects are not safe to slice and optimise from several threads at once: under load
# the notebook's map_overlap graph was left without a piece, and every later computation of it
# failed with KeyError (examples/lazy.ipynb, 2 runs of 2 with both cores busy). Graph work takes
# this lock; computing the optimised graph does not.
GRAPH_LOCK = threading.RLock()
_CLUSTER_RETRIES = 2  # a failed task on a cluster runs again this many times (the scheduler's retries)
_RESUBMIT_AFTER_S = (0.05, 0.2, 0.5)  # a graph the scheduler refused (KeyError) is sent again after these
_H5PY_LOCK = threading.Lock()  # h5py's HDF5 library is not safe for concurrent reads from threads


class Cancelled(Exception):
    """compute() saw its cancel event: the daemon no longer needs this chunk."""


def protocol_dtype(dtype: Any) -> np.dtype:
    """The little-endian protocol dtype of a lazy array, decided from the dtype alone (no pass over
    the data): bool -> uint8, float16 -> float32, int64/uint64 -> float64."""
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return np.dtype(np.uint8)
    if dt == np.float16:
        return np.dtype(np.float32)
    if dt.kind in "iu" and dt.itemsize == 8:
        return np.dtype(np.float64)
    if dt.kind not in "iuf" or dt.newbyteorder("=").name not in DTYPES:
        raise ValueError(
            f"image data has dtype {dt} (not supported); use one of: {', '.join(DTYPES)} "
            "(or bool, float16, int64, uint64, which are converted)"
        )
    return dt.newbyteorder("<")


def to_protocol(block: Any, dtype: np.dtype) -> np.ndarray:
    """`block` as a C-contiguous array of `dtype` (no copy when it already is one)."""
    return np.ascontiguousarray(np.asarray(block), dtype=dtype)


def _declared_chunks(arr: Any) -> tuple[int, ...] | None:
    """The chunk side per axis an array declares (dask: only where its chunking is regular)."""
    try:
        chunks = arr.chunks
    except Exception:  # e.g. an array type whose chunks property raises
        return None
    if chunks is None or len(chunks) != len(arr.shape):
        return None
    out = []
    for c in chunks:
        if isinstance(c, int | np.integer):
            out.append(int(c))
        elif isinstance(c, Sequence) and len(c) > 0:  # dask: a tuple of block sizes per axis
            sizes = [int(n) for n in c]
            regular = all(n == sizes[0] for n in sizes[:-1]) and sizes[-1] <= sizes[0]
            out.append(sizes[0] if regular else 0)
        else:
            return None
    return tuple(out)


def chunk_shape(arr: Any) -> tuple[int, ...]:
    """Level-0 tile of a lazy array: 1 on leading axes; on (y, x) its declared chunk side (dask,
    zarr, h5py) clamped to [CHUNK_MIN, CHUNK_MAX], else CHUNK_DEFAULT; never over the shape."""
    shape = tuple(int(n) for n in arr.shape)
    declared = _declared_chunks(arr)
    sides = []
    for k in (-2, -1):
        side = declared[k] if declared is not None and declared[k] > 0 else CHUNK_DEFAULT
        sides.append(min(max(side, CHUNK_MIN), CHUNK_MAX, shape[k]))
    return (*(1 for _ in shape[:-2]), *sides)


def blocks_within_tiles(arr: Any, tile: Sequence[int]) -> bool:
    """Whether every block of `arr` lies inside one tile of the grid `tile` (regular chunking whose
    side divides the tile's on every axis): then no block is read by two tiles."""
    declared = _declared_chunks(arr)
    return declared is not None and all(d > 0 and t % d == 0 for d, t in zip(declared, tile, strict=True))


def active_client() -> Any:
    """The default dask.distributed Client when one is running, else None (distributed is optional)."""
    try:
        from distributed.client import default_client
    except ImportError:
        return None
    try:
        client = default_client()
    except ValueError:  # no client
        return None
    return client if getattr(client, "status", "running") == "running" else None


_NTHREADS_TTL_S = 10.0  # how long a cluster's thread count is trusted (workers come and go)
_nthreads: dict[int, tuple[float, int]] = {}
_nthreads_lock = threading.Lock()


def cluster_threads() -> int | None:
    """Total worker threads of the default Client's cluster (re-read every 10 s), None without one."""
    client = active_client()
    if client is None:
        return None
    now = time.monotonic()
    with _nthreads_lock:
        seen = _nthreads.get(id(client))
    if seen is not None and now - seen[0] < _NTHREADS_TTL_S:
        return seen[1]
    try:
        total = int(sum(client.nthreads().values()))
    except Exception:  # a scheduler that does not answer: keep the last count
        return seen[1] if seen is not None else None
    with _nthreads_lock:
        _nthreads[id(client)] = (now, total)
    return total


class Signal(threading.Event):
    """An Event that also calls functions when set, so a thread can wait for "this or cancelled"
    without polling (the chunk server's cancel flags and the tile cache's flights are Signals)."""

    def __init__(self) -> None:
        super().__init__()
        self._callbacks: list[Callable[[], Any]] = []
        self._cb_lock = threading.Lock()

    def add_callback(self, fn: Callable[[], Any]) -> None:
        """Call `fn` once when set (at once when already set)."""
        with self._cb_lock:
            if not self.is_set():
                self._callbacks.append(fn)
                return
        fn()

    def set(self) -> None:
        with self._cb_lock:
            super().set()
            callbacks, self._callbacks = self._callbacks, []
        for fn in callbacks:
            fn()


def wait_or_cancel(done: threading.Event, cancelled: threading.Event) -> None:
    """Block until `done` is set; raise Cancelled as soon as `cancelled` is. Sleeps without polling
    when both are Signals (else polls every 20 ms)."""
    wake = threading.Event()
    poll = False
    for event in (done, cancelled):
        if isinstance(event, Signal):
            event.add_callback(wake.set)
        else:
            poll = True
    while True:
        if cancelled.is_set():
            raise Cancelled()
        if done.is_set():
            return
        wake.wait(_POLL_S if poll else None)


def _local_compute(parts: list[Any]) -> list[Any]:
    import dask

    # Unless the user chose a scheduler, one part runs synchronously in the calling thread (the
    # chunk server already computes chunks on several threads; about half the cost of handing one
    # block to the threaded scheduler: 6 vs 12 ms for a 1024^2 block here); several parts (a request
    # over several blocks, the contrast sample) run together on the threaded scheduler.
    if dask.config.get("scheduler", None) is not None:
        return list(dask.compute(*parts, optimize_graph=False))
    if len(parts) == 1:
        return list(dask.compute(*parts, scheduler="sync", optimize_graph=False))
    workers = min(len(parts), max(_PARALLEL_PARTS, os.cpu_count() or 1))  # I/O-bound graphs gain too
    return list(dask.compute(*parts, scheduler="threads", num_workers=workers, optimize_graph=False))


def compute_dask(parts: list[Any], cancelled: threading.Event) -> list[np.ndarray]:
    """Compute dask arrays together: with the default distributed Client as futures on its workers
    (cancelled with `cancelled`), else with the active local scheduler (its result is dropped when
    cancelled meanwhile: a local scheduler cannot stop a running graph)."""
    import dask

    with GRAPH_LOCK:
        parts = list(dask.optimize(*parts))
    client = active_client()
    if client is None:
        out = _local_compute(parts)
        if cancelled.is_set():
            raise Cancelled()
        return [np.asarray(x) for x in out]
    for attempt in range(len(_RESUBMIT_AFTER_S) + 1):
        try:
            return _cluster_compute(client, parts, cancelled)
        except (CancelledError, KeyError):
            # The scheduler refuses a graph with KeyError when a key it shares with another
            # request's graph (map_overlap's piece of a neighbour block) is being released as it
            # arrives; sent again a moment later, it is accepted.
            if cancelled.is_set():
                raise Cancelled() from None
            if attempt == len(_RESUBMIT_AFTER_S):
                raise
            if cancelled.wait(_RESUBMIT_AFTER_S[attempt]):
                raise Cancelled() from None
    raise AssertionError("unreachable")


def _cluster_compute(client: Any, parts: list[Any], cancelled: threading.Event) -> list[np.ndarray]:
    with GRAPH_LOCK:  # the client materialises the graph here
        # retries: a task that lost a shared input (map_overlap's piece of a neighbour block) to
        # another request mid-run fails with KeyError naming it; the scheduler runs it again.
        futures = client.compute(parts, optimize_graph=False, retries=_CLUSTER_RETRIES)
    try:
        for future in futures:
            done = Signal()
            future.add_done_callback(lambda _f, d=done: d.set())
            wait_or_cancel(done, cancelled)
        return [np.asarray(x) for x in client.gather(futures)]
    finally:
        # Always let the futures go: a result is numpy by now, and an erred key kept alive would
        # answer a retry with the same error. Released, not client.cancel(): the scheduler drops
        # the tasks nothing else wants (those not started never run); cancel() also takes keys
        # that other requests of this client share.
        for future in futures:
            future.release()


# -- whole dask blocks through the tile cache -------------------------------------------------------
def _bounds(arr: Any) -> list[np.ndarray]:
    return [np.cumsum((0, *(int(n) for n in c))) for c in arr.chunks]


def block_keys(arr: Any, start: Sequence[int], stop: Sequence[int], dtype: np.dtype, budget: int) -> list[Any] | None:
    """The dask block indices that cover [start, stop), or None when the region should be computed
    directly: not dask, no cache, or a block over a quarter of the cache budget (kept out of it)."""
    if not is_dask(arr) or budget <= 0:
        return None
    spans = []
    for a, b, edges in zip(start, stop, _bounds(arr), strict=True):
        first = int(np.searchsorted(edges, a, side="right")) - 1
        last = int(np.searchsorted(edges, b - 1, side="right")) - 1
        spans.append(range(first, last + 1))
    limit = budget // 4
    sizes = [np.diff(e) for e in _bounds(arr)]
    for k, span in enumerate(spans):  # the largest block along each axis bounds every block's size
        sizes[k] = sizes[k][span.start : span.stop]
    if int(np.prod([int(s.max()) for s in sizes], dtype=np.int64)) * dtype.itemsize > limit:
        return None
    return list(itertools.product(*spans))


def block_owner(arr: Any) -> tuple[str, str]:
    """The cache owner of a dask array's blocks: its name (two images of one array share them)."""
    return ("dask", str(arr.name))


def fetch_blocks(
    arr: Any, indices: Sequence[tuple[int, ...]], dtype: np.dtype, cache: Any, cancelled: threading.Event
) -> dict[tuple[int, ...], np.ndarray]:
    """Whole blocks of `arr` by index, from the cache or computed together in one dask compute."""
    owner = block_owner(arr)
    edges = _bounds(arr)

    def compute(keys: list[Any]) -> list[np.ndarray]:
        # A block as the slice of its bounds: `arr.blocks[i]` optimises the whole graph (0.4-0.6 s
        # on the bench's 2**19-block level 0, against 8-19 ms for the slice).
        with GRAPH_LOCK:
            parts = [
                arr[tuple(slice(int(e[i]), int(e[i + 1])) for e, i in zip(edges, key[1], strict=True))] for key in keys
            ]
        return [to_protocol(x, dtype) for x in compute_dask(parts, cancelled)]

    got = cache.get_many([(owner, tuple(i)) for i in indices], compute, cancelled)
    return {key[1]: value for key, value in got.items()}


def assemble(
    arr: Any, blocks: dict[tuple[int, ...], np.ndarray], start: Sequence[int], stop: Sequence[int], dtype: np.dtype
) -> np.ndarray:
    """Region [start, stop) cut from whole blocks (a view of the block when one covers it)."""
    edges = _bounds(arr)
    pieces = []
    for index, block in blocks.items():
        t0 = [int(e[i]) for e, i in zip(edges, index, strict=True)]
        lo = [max(a, o) for a, o in zip(start, t0, strict=True)]
        hi = [min(b, o + n) for b, o, n in zip(stop, t0, block.shape, strict=True)]
        pieces.append((block, t0, lo, hi))
    if len(pieces) == 1:
        block, t0, _, _ = pieces[0]
        return block[tuple(slice(a - o, b - o) for a, b, o in zip(start, stop, t0, strict=True))]
    out = np.empty([b - a for a, b in zip(start, stop, strict=True)], dtype=dtype)
    for block, t0, lo, hi in pieces:
        src = tuple(slice(x - o, y - o) for x, y, o in zip(lo, hi, t0, strict=True))
        dst = tuple(slice(x - a, y - a) for x, y, a in zip(lo, hi, start, strict=True))
        out[dst] = block[src]
    return out


def read(
    arr: Any,
    start: Sequence[int],
    stop: Sequence[int],
    dtype: np.dtype,
    cancelled: threading.Event,
    cache: Any = None,
) -> np.ndarray:
    """arr[start:stop] as a C-contiguous `dtype` array (read-only when cut from a cached block).

    dask: through `cache` (a TileCache) as whole blocks when they fit (each block computed once
    however many planes or tiles read it), else the region's graph; others: sliced directly."""
    if cancelled.is_set():
        raise Cancelled()
    index = tuple(slice(int(a), int(b)) for a, b in zip(start, stop, strict=True))
    keys = block_keys(arr, start, stop, dtype, cache.budget) if cache is not None else None
    if keys is not None:
        block = assemble(arr, fetch_blocks(arr, keys, dtype, cache, cancelled), start, stop, dtype)
    elif is_dask(arr):
        with GRAPH_LOCK:
            part = arr[index]
        block = compute_dask([part], cancelled)[0]
    elif type(arr).__module__.split(".")[0] == "h5py":
        with _H5PY_LOCK:
            block = np.asarray(arr[index])
    else:
        block = np.asarray(arr[index])
    if cancelled.is_set():
        raise Cancelled()
    return to_protocol(block, dtype)


def chunk_text(level: int, start: Sequence[int], stop: Sequence[int]) -> str:
    """'level 0 chunk [0:1, 1024:2048, 0:1024]': how errors name a chunk."""
    spans = ", ".join(f"{int(a)}:{int(b)}" for a, b in zip(start, stop, strict=True))
    return f"level {level} chunk [{spans}]"
