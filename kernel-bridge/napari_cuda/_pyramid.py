"""Write arrays as an OME-Zarr (NGFF 0.5, Zarr v3) pyramid, tile by tile with bounded memory.

Used for numpy arrays too large to send as one message (over the inline budget, and
`multiscale=True` lists of numpy arrays; lazy arrays are served by the kernel instead, _lazy.py).
Level 0 is written chunk by chunk; each coarser level is the 2x2 block mean of the previous one
on the last two axes, read back from disk one tile at a time, until the level fits in MAX_LEVEL_PX. Chunks are
stored uncompressed: the directory is local and short-lived, so decoding CPU matters more than disk.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from . import _arrays

MAX_LEVEL_PX = 1024  # the coarsest level's larger displayed side is at most this
TILE_PX = 512  # chunk side on the last two axes


def plan_shapes(shape: Sequence[int], max_px: int | None = None) -> list[tuple[int, ...]]:
    """Level shapes: level 0, then the last two axes halved (rounding up) until both fit `max_px`
    (default MAX_LEVEL_PX)."""
    max_px = MAX_LEVEL_PX if max_px is None else max_px
    shapes = [tuple(int(n) for n in shape)]
    while max(shapes[-1][-2:]) > max_px:
        *lead, h, w = shapes[-1]
        shapes.append((*lead, (h + 1) // 2, (w + 1) // 2))
    return shapes


def chunk_shape(shape: Sequence[int]) -> tuple[int, ...]:
    """One plane tile per chunk: 1 on leading axes, up to TILE_PX on (y, x)."""
    return (*(1 for _ in shape[:-2]), *(min(TILE_PX, int(n)) for n in shape[-2:]))


def tiles(shape: Sequence[int], chunks: Sequence[int]) -> Iterator[tuple[slice, ...]]:
    """Chunk-aligned regions covering `shape`, one chunk each."""
    ranges = [range(0, n, c) for n, c in zip(shape, chunks, strict=True)]
    for start in itertools.product(*ranges):
        yield tuple(slice(s, min(s + c, n)) for s, c, n in zip(start, chunks, shape, strict=True))


def _workers() -> int:
    return max(1, min(8, os.cpu_count() or 1))


def block_mean(block: np.ndarray, dtype: np.dtype) -> np.ndarray:
    """2x2 mean on the last two axes; an odd edge row/column is its own mean (edge padding).
    Integers are rounded half to even (as np.rint), computed in integer sums (no float pass)."""
    h, w = block.shape[-2:]
    pad = [(0, 0)] * (block.ndim - 2) + [(0, h % 2), (0, w % 2)]
    if h % 2 or w % 2:
        block = np.pad(block, pad, mode="edge")
    dtype = np.dtype(dtype)
    if block.dtype.kind in "iu" and block.dtype.itemsize <= 4 and dtype.kind in "iu":
        quads = (block[..., 0::2, 0::2], block[..., 1::2, 0::2], block[..., 0::2, 1::2], block[..., 1::2, 1::2])
        wide = np.dtype(np.int64)
        total = quads[0].astype(wide)
        for q in quads[1:]:
            total += q
        mean = total >> 2  # floor(total / 4); then round half to even
        rest = total & 3
        mean += (rest > 2) | ((rest == 2) & (mean & 1).astype(bool))
        info = np.iinfo(dtype)
        return np.clip(mean, info.min, info.max).astype(dtype)
    *lead, h2, w2 = block.shape
    out = block.reshape(*lead, h2 // 2, 2, w2 // 2, 2).mean(axis=(-3, -1), dtype=np.float64)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        out = np.clip(np.rint(out), info.min, info.max)
    return out.astype(dtype)


def _write_level0(src: Any, dst: Any, dtype: np.dtype) -> None:
    if _arrays.is_dask(src):
        import dask.array as da

        # Block by block on dask's scheduler; the lock serialises writes to chunks that two
        # blocks share (dask chunks need not align with the zarr chunks).
        da.store(src.astype(dtype), dst, lock=True)
        return

    def put(region: tuple[slice, ...]) -> None:
        dst[region] = np.asarray(src[region]).astype(dtype, copy=False)

    with ThreadPoolExecutor(_workers()) as pool:
        list(pool.map(put, tiles(dst.shape, dst.chunks)))


def reduce_block(block: np.ndarray, dtype: np.dtype, nearest: bool) -> np.ndarray:
    """Half resolution on the last two axes: every other pixel (nearest: labels keep only the
    values they have), else the 2x2 block mean."""
    if nearest:
        return np.ascontiguousarray(block[..., ::2, ::2]).astype(dtype, copy=False)
    return block_mean(block, dtype)


def _write_downsampled(src: Any, dst: Any, nearest: bool) -> None:
    def put(region: tuple[slice, ...]) -> None:
        *lead, ys, xs = region
        y1, x1 = min(2 * ys.stop, src.shape[-2]), min(2 * xs.stop, src.shape[-1])
        block = np.asarray(src[(*lead, slice(2 * ys.start, y1), slice(2 * xs.start, x1))])
        dst[region] = reduce_block(block, dst.dtype, nearest)

    with ThreadPoolExecutor(_workers()) as pool:
        list(pool.map(put, tiles(dst.shape, dst.chunks)))


def axis_names(ndim: int) -> list[str]:
    """NGFF axis names: (..., z, y, x) space axes; leading axes d0, d1, ..."""
    space = ["z", "y", "x"][-min(ndim, 3) :]
    return [f"d{i}" for i in range(ndim - len(space))] + space


def _ome(ndim: int, shapes: list[tuple[int, ...]], centred: bool, name: str | None) -> dict[str, Any]:
    names = axis_names(ndim)
    axes = [{"name": n, "type": "space"} if n in ("z", "y", "x") else {"name": n} for n in names]
    datasets = []
    for k, shape in enumerate(shapes):
        factors = [s0 / s for s0, s in zip(shapes[0], shape, strict=True)]
        # A block mean's pixel k covers level-0 pixels 2k, 2k+1: its centre sits at (f - 1) / 2.
        offsets = [(f - 1) / 2 if centred else 0.0 for f in factors]
        transforms: list[dict[str, Any]] = [{"type": "scale", "scale": factors}]
        if any(offsets):
            transforms.append({"type": "translation", "translation": offsets})
        datasets.append({"path": str(k), "coordinateTransformations": transforms})
    ms: dict[str, Any] = {"axes": axes, "datasets": datasets}
    if name:
        ms["name"] = name
    return {"version": "0.5", "multiscales": [ms]}


def write_pyramid(
    path: Path, levels: Sequence[Any], *, downsample: bool, name: str | None = None, nearest: bool = False
) -> list[tuple[int, ...]]:
    """Write `levels` (numpy, dask or sliceable arrays, finest first) as an NGFF 0.5 group at `path`.

    With `downsample`, `levels` is one array and the coarser levels are computed (block mean; with
    `nearest`, every other pixel, for labels).
    Returns the level shapes written. The dtype is level 0's, converted to a protocol dtype.
    """
    import zarr

    dtype = _arrays.target_dtype(levels[0])
    shapes = plan_shapes(levels[0].shape) if downsample else [tuple(int(n) for n in a.shape) for a in levels]
    ndim = len(shapes[0])
    group = zarr.open_group(str(path), mode="w", zarr_format=3)
    arrays = [
        group.create_array(
            str(k),
            shape=shape,
            chunks=chunk_shape(shape),
            dtype=dtype,
            compressors=None,
            fill_value=0,
            dimension_names=axis_names(ndim),
        )
        for k, shape in enumerate(shapes)
    ]
    for k, dst in enumerate(arrays):
        if k == 0 or not downsample:
            _write_level0(levels[k], dst, dtype)
        else:
            _write_downsampled(arrays[k - 1], dst, nearest)
    group.attrs["ome"] = _ome(ndim, shapes, centred=downsample and not nearest, name=name)
    return shapes
