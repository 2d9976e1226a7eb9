"""Reading one region of a lazy array in the kernel: dask (active scheduler or a distributed
Client, cancellable), zarr-python / h5py / anything with numpy slicing; protocol dtypes per chunk."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._arrays import is_dask
from ._protocol import DTYPES

CHUNK_DEFAULT = 512  # level-0 tile side when the array declares no usable chunking
CHUNK_MIN, CHUNK_MAX = 128, 2048  # a declared chunk side is clamped to this range
_POLL_S = 0.02  # how often a distributed compute checks its cancel event
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


def _compute_dask(region: Any, cancelled: threading.Event) -> np.ndarray:
    client = active_client()
    if client is None:
        # Local schedulers cannot stop a running graph: the result is dropped when cancelled meanwhile.
        # The chunk server already computes chunks on several threads: unless the user chose a
        # scheduler, one chunk runs synchronously in its thread (about half the cost of handing one
        # block to the threaded scheduler: 6 vs 12 ms for a 1024^2 block here).
        import dask

        chosen = dask.config.get("scheduler", None) is not None
        out = region.compute() if chosen else region.compute(scheduler="sync")
        if cancelled.is_set():
            raise Cancelled()
        return np.asarray(out)
    future = client.compute(region)
    try:
        while not future.done():
            if cancelled.wait(_POLL_S):
                raise Cancelled()
        return np.asarray(future.result())
    finally:
        if not future.done() or cancelled.is_set():
            future.cancel()


def read(
    arr: Any, start: Sequence[int], stop: Sequence[int], dtype: np.dtype, cancelled: threading.Event
) -> np.ndarray:
    """arr[start:stop] as a C-contiguous `dtype` array; dask through the active scheduler."""
    if cancelled.is_set():
        raise Cancelled()
    index = tuple(slice(int(a), int(b)) for a, b in zip(start, stop, strict=True))
    if is_dask(arr):
        block = _compute_dask(arr[index], cancelled)
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
