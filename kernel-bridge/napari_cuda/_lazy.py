"""LazyImage: a lazy array (or a list of levels) that the kernel's chunk server computes chunk by
chunk for the daemon (issue 13; the interface is in tools/lazy-design.md).

Given levels are read as given (offset 0, napari's convention for multiscale lists; OME metadata
may give offsets). A single array gets napari's level rule through coarser levels planned like the
scratch pyramid (halve the last two axes until <= 1024) and reduced on demand: a level-L tile is
the 2x2 block mean of the level-(L-1) tiles it covers, through the kernel's tile cache
(_lazy_cache), so a zoomed-out overview computes each level-0 block once, in bounded memory.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import _lazy_read as rd
from ._arrays import is_dask
from ._lazy_cache import TileCache, shared_cache
from ._lazy_read import Cancelled, chunk_text
from ._lazy_sample import sample_regions
from ._pyramid import axis_names, plan_shapes, reduce_block

__all__ = ["Cancelled", "LazyImage", "chunk_text"]

REDUCED_TILE = 256  # largest tile side of reduced levels: an overview is many tiles that appear one by one
REDUCED_TILE_MIN = 64  # smallest (below it, per-request overhead outweighs the earlier first tile)
REDUCED_SPAN = 2  # a reduced tile covers at most this many level-0 chunks per axis (2 x 2 in 2D) while >= 64 px
_ids = itertools.count(1)


def _default_axes(ndim: int) -> list[dict[str, Any]]:
    return [{"name": n, "type": "space" if n in "zyx" else None, "unit": None} for n in axis_names(ndim)]


def _reduced_chunks(shape: Sequence[int], factors: Sequence[float], chunks0: Sequence[int]) -> tuple[int, ...]:
    """Tile of a reduced level: 1 on leading axes; on (y, x) the power of two that covers at most
    REDUCED_SPAN level-0 chunks, in [REDUCED_TILE_MIN, REDUCED_TILE], never over the shape. A tile
    of a deep level is the mean of every level-0 block under it: at a fixed 256 px a level-6 tile
    of 1024^2 blocks waits for 256 of them before anything shows; at 64 px, for 16 (at level 5, 4)."""
    sides = []
    for k in (-2, -1):
        want = max(1, int(chunks0[k] * REDUCED_SPAN / factors[k]))
        side = min(max(1 << (want.bit_length() - 1), REDUCED_TILE_MIN), REDUCED_TILE)
        sides.append(min(side, int(shape[k])))
    return (*(1 for _ in shape[:-2]), *sides)


class LazyImage:
    """One layer's lazy data, served chunk by chunk (thread-safe).

    `arrays`: the levels, finest first (each with shape, dtype and numpy slicing); with
    `reduce=True` a single array whose coarser levels are block means computed on demand.
    """

    def __init__(
        self,
        arrays: Sequence[Any],
        *,
        reduce: bool = False,
        nearest: bool = False,
        axes: list[dict[str, Any]] | None = None,
        scale: Sequence[float] | None = None,
        translate: Sequence[float] | None = None,
        name: str | None = None,
        data: Any = None,
        offsets: Sequence[Sequence[float]] | None = None,
        factors: Sequence[Sequence[float]] | None = None,
        cache: TileCache | None = None,
    ) -> None:
        self._arrays = list(arrays)
        self._reduce = bool(reduce)
        self._nearest = bool(nearest)  # reduced levels take every other pixel (labels), not the mean
        if self._reduce and len(self._arrays) != 1:
            raise ValueError("a reduced LazyImage takes exactly one array")
        self.dtype = rd.protocol_dtype(self._arrays[0].dtype)
        shape0 = tuple(int(n) for n in self._arrays[0].shape)
        ndim = len(shape0)
        self._cache = cache if cache is not None else shared_cache()
        # Cache owners: dask blocks belong to their array's name (shared by every image of that array),
        # reduced tiles of a dask array to its name too (same name, same levels), others to this image.
        first = self._arrays[0]
        self._uid = rd.block_owner(first) if self._reduce and is_dask(first) else ("lazy", next(_ids))
        self._owners = list(dict.fromkeys([self._uid, *(rd.block_owner(a) for a in self._arrays if is_dask(a))]))
        for owner in self._owners:
            self._cache.open(owner)
        self._closed = False
        self._close_lock = threading.Lock()
        shapes = plan_shapes(shape0) if self._reduce else [tuple(int(n) for n in a.shape) for a in self._arrays]
        self.levels: list[dict[str, Any]] = []
        for k, shape in enumerate(shapes):
            f = list(factors[k]) if factors is not None else [s0 / s for s0, s in zip(shape0, shape, strict=True)]
            if offsets is not None:
                off = [float(x) for x in offsets[k]]
            else:  # a block mean's pixel i covers level-0 pixels f*i .. f*i+f-1: its centre is (f-1)/2 on
                off = [(x - 1) / 2 if self._reduce and not self._nearest else 0.0 for x in f]
            if k == 0 or not self._reduce:
                chunks = rd.chunk_shape(self._arrays[k])
            else:
                chunks = _reduced_chunks(shape, f, self.levels[0]["chunks"])
            self.levels.append(
                {"shape": list(shape), "chunks": list(chunks), "factors": [float(x) for x in f], "offset": off}
            )
        # Given levels keep whole blocks in the kernel only where several tiles read one block (deep
        # blocks browsed plane by plane, blocks over a tile): a block that is one tile would sit in
        # the kernel beside the daemon's copy, and kernel memory would grow with every pan.
        self._shared_blocks = [
            self._reduce or not rd.blocks_within_tiles(a, lv["chunks"])
            for a, lv in zip(self._arrays, self.levels, strict=False)
        ]
        self.named_axes = axes is not None
        self.axes = [dict(a) for a in axes] if axes is not None else _default_axes(ndim)
        self.scale = [float(x) for x in scale] if scale is not None else [1.0] * ndim
        self.translate = [float(x) for x in translate] if translate is not None else [0.0] * ndim
        self.name = name
        self.data = data if data is not None else self._arrays[0]
        self.label = name or "Image"
        self.channel: dict[str, Any] | None = None  # OME omero channel (label, color) when one was taken
        self._stats_lock = threading.Lock()
        self._stats = {"chunks": 0, "compute_s": 0.0, "cancelled": 0}
        self._range: tuple[float, float] | None = None
        self._range_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<LazyImage {self.label!r} levels={[lv['shape'] for lv in self.levels]} dtype={self.dtype}>"

    @property
    def stats(self) -> dict[str, Any]:
        """{"chunks": served, "compute_s": total seconds, "cancelled": n} (a copy)."""
        with self._stats_lock:
            return dict(self._stats)

    @property
    def ndim(self) -> int:
        return len(self.levels[0]["shape"])

    # -- chunks ---------------------------------------------------------------------------------
    def compute(self, level: int, start: Sequence[int], stop: Sequence[int], cancelled: threading.Event) -> np.ndarray:
        """Level-`level` region [start, stop) as a C-contiguous `self.dtype` array; raises Cancelled
        when `cancelled` is set before it is done; errors of the user's graph propagate."""
        start, stop = self._check(level, start, stop)
        t0 = time.perf_counter()
        try:
            if self._reduce:
                out = self._region(level, start, stop, cancelled)
            else:
                cache = self._cache if self._shared_blocks[level] else None
                out = rd.read(self._arrays[level], start, stop, self.dtype, cancelled, cache)
        except Cancelled:
            with self._stats_lock:
                self._stats["cancelled"] += 1
            raise
        with self._stats_lock:
            self._stats["chunks"] += 1
            self._stats["compute_s"] += time.perf_counter() - t0
        return np.ascontiguousarray(out)

    def _check(self, level: int, start: Sequence[int], stop: Sequence[int]) -> tuple[list[int], list[int]]:
        if isinstance(level, bool) or not isinstance(level, int | np.integer) or not 0 <= level < len(self.levels):
            raise ValueError(f"level must be in [0, {len(self.levels) - 1}], got {level!r}")
        shape = self.levels[level]["shape"]
        a, b = [int(x) for x in start], [int(x) for x in stop]
        if (
            len(a) != len(shape)
            or len(b) != len(shape)
            or any(not 0 <= x < y <= n for x, y, n in zip(a, b, shape, strict=True))
        ):
            raise ValueError(f"chunk region {a}..{b} is not inside level {level} of shape {shape}")
        return a, b

    def _tile(self, level: int, index: tuple[int, ...], cancelled: threading.Event) -> np.ndarray:
        """One tile of the level's chunk grid (reduced images), from the cache or computed."""
        lv = self.levels[level]
        start = [i * c for i, c in zip(index, lv["chunks"], strict=True)]
        stop = [min(s + c, n) for s, c, n in zip(start, lv["chunks"], lv["shape"], strict=True)]

        if level == 0 and rd.block_keys(self._arrays[0], start, stop, self.dtype, self._cache.budget) is not None:
            return rd.read(self._arrays[0], start, stop, self.dtype, cancelled, self._cache)  # cached as blocks

        def compute() -> np.ndarray:
            if level == 0:
                return rd.read(self._arrays[0], start, stop, self.dtype, cancelled)
            below = self.levels[level - 1]["shape"]
            lo = [*start[:-2], 2 * start[-2], 2 * start[-1]]
            hi = [*stop[:-2], min(2 * stop[-2], below[-2]), min(2 * stop[-1], below[-1])]
            return reduce_block(self._region(level - 1, lo, hi, cancelled), self.dtype, self._nearest)

        if cancelled.is_set():
            raise Cancelled()
        key = (self._uid, level, index, "nearest") if self._nearest else (self._uid, level, index)
        return self._cache.get(key, compute, cancelled)

    def _region(self, level: int, start: list[int], stop: list[int], cancelled: threading.Event) -> np.ndarray:
        """A region of a reduced image's level, assembled from the tiles that cover it."""
        chunks = self.levels[level]["chunks"]
        spans = [range(a // c, (b - 1) // c + 1) for a, b, c in zip(start, stop, chunks, strict=True)]
        indices = list(itertools.product(*spans))
        if len(indices) == 1:
            tile = self._tile(level, indices[0], cancelled)
            t0 = [i * c for i, c in zip(indices[0], chunks, strict=True)]
            return tile[tuple(slice(a - o, b - o) for a, b, o in zip(start, stop, t0, strict=True))]
        out = np.empty([b - a for a, b in zip(start, stop, strict=True)], dtype=self.dtype)
        for index in indices:
            tile = self._tile(level, index, cancelled)
            t0 = [i * c for i, c in zip(index, chunks, strict=True)]
            lo = [max(a, o) for a, o in zip(start, t0, strict=True)]
            hi = [min(b, o + n) for b, o, n in zip(stop, t0, tile.shape, strict=True)]
            src = tuple(slice(x - o, y - o) for x, y, o in zip(lo, hi, t0, strict=True))
            dst = tuple(slice(x - a, y - a) for x, y, a in zip(lo, hi, start, strict=True))
            out[dst] = tile[src]
        return out

    # -- contrast -------------------------------------------------------------------------------
    @property
    def contrast_range(self) -> tuple[float, float]:
        """Finite (min, max) of a bounded sample, computed on first use: the coarsest given level
        when it is small (or level 0 when that is), else up to 2x2 level-0 chunks at the centre of
        the middle plane. Errors name the layer and the chunk."""
        with self._range_lock:
            if self._range is None:
                self._range = self._sample_range()
            return self._range

    @contrast_range.setter
    def contrast_range(self, value: Sequence[float]) -> None:
        lo, hi = (float(x) for x in value)
        with self._range_lock:
            self._range = (lo, hi)

    def sample_regions(self) -> list[tuple[int, list[int], list[int]]]:
        """(level, start, stop) regions the default contrast range reads."""
        return sample_regions(self.levels, self.dtype, self._reduce)

    def _sample_blocks(self, regions: list[tuple[int, list[int], list[int]]]) -> list[np.ndarray] | None:
        """All sample regions of a dask level computed together (in parallel), their blocks kept in
        the tile cache for the first frame; None when not dask or when that fails (the regions are
        then read one by one, so an error names its chunk)."""
        level = regions[0][0]
        arr = self._arrays[level]
        if not is_dask(arr) or any(r[0] != level for r in regions):
            return None
        never = threading.Event()
        keys = [rd.block_keys(arr, a, b, self.dtype, self._cache.budget) for _, a, b in regions]
        try:
            if all(k is not None for k in keys):
                rd.fetch_blocks(arr, [i for k in keys for i in k], self.dtype, self._cache, never)  # type: ignore[union-attr]
                return [self.compute(level, a, b, never) for _, a, b in regions]
            with rd.GRAPH_LOCK:
                parts = [arr[tuple(slice(x, y) for x, y in zip(a, b, strict=True))] for _, a, b in regions]
            return [rd.to_protocol(x, self.dtype) for x in rd.compute_dask(parts, never)]
        except Exception:
            return None

    def _sample_range(self) -> tuple[float, float]:
        never = threading.Event()
        lo, hi = np.inf, -np.inf
        regions = self.sample_regions()
        together = self._sample_blocks(regions)
        for k, (level, start, stop) in enumerate(regions):
            try:
                block = together[k] if together is not None else self.compute(level, start, stop, never)
            except Exception as exc:
                where = chunk_text(level, start, stop)
                raise RuntimeError(f"layer {self.label!r} {where}: {type(exc).__name__}: {exc}") from exc
            finite = block[np.isfinite(block)] if block.dtype.kind == "f" else block
            if finite.size:
                lo, hi = min(lo, float(finite.min())), max(hi, float(finite.max()))
        return (lo, hi) if lo <= hi else (0.0, 1.0)

    def close(self) -> None:
        """Free this image's cached tiles (blocks other open images of the same array share stay);
        a computation still running keeps nothing. Idempotent."""
        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        for owner in self._owners:
            self._cache.drop(owner)
