"""Write demo OME-Zarr images (NGFF 0.5, Zarr v3) for examples/multiscale.ipynb.

- ``cells_2d.ome.zarr``: a large 2D uint16 pyramid of procedural "cells" on a smooth background
  with noise (default 16384 x 16384, 512 MiB at level 0), levels halved until <= 1024 px;
- ``blobs_3d.ome.zarr``: a 3D uint16 volume of Gaussian blobs (default 512^3, 256 MiB), levels
  halved on z, y and x until <= 128 px.

Every tile is computed from its global coordinates (a hash, no random state), written, and dropped:
memory stays at a few tiles whatever the size. Coarser levels are 2x block means of the level
below, read back tile by tile.

    python examples/make_demo_data.py --out demo-data                       # the big ones (minutes)
    python examples/make_demo_data.py --out demo-data --size-2d 4096 --size-3d 128   # seconds
"""

from __future__ import annotations

import argparse
import itertools
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import zarr

Tile = tuple[slice, ...]


def hash32(*keys: np.ndarray, seed: int = 0) -> np.ndarray:
    """A deterministic 32-bit hash of integer coordinate arrays (splitmix64 finaliser), as float in [0, 1)."""
    h = np.full(np.broadcast(*keys).shape, seed * 0x9E3779B97F4A7C15 & 0xFFFFFFFFFFFFFFFF, np.uint64)
    for k in keys:
        h ^= k.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15) + (h << np.uint64(6)) + (h >> np.uint64(2))
        h ^= h >> np.uint64(30)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(27)
        h *= np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(31)
    return (h >> np.uint64(40)).astype(np.float64) / float(1 << 24)


def _cell_params(lo: np.ndarray, hi: np.ndarray, spacing: int, n: int) -> list[np.ndarray]:
    """n hash values per grid cell for cells lo-1 .. hi+1 on each axis (computed once per tile)."""
    grids = np.meshgrid(*(np.arange(a - 1, b + 2) for a, b in zip(lo, hi, strict=True)), indexing="ij")
    return [hash32(*grids, seed=1 + k) for k in range(n)]


def cells_tile(region: Tile, spacing: int = 48) -> np.ndarray:
    """2D tile: jittered-grid cells (bright rim, textured nucleus) on a smooth background, plus noise."""
    ys, xs = region
    y, x = np.meshgrid(np.arange(ys.start, ys.stop), np.arange(xs.start, xs.stop), indexing="ij")
    out = 600 + 250 * np.sin(y / 1500.0) * np.cos(x / 1100.0) + 150 * np.sin((x + y) / 400.0)
    g0 = np.array([ys.start // spacing, xs.start // spacing])
    params = _cell_params(g0, np.array([(ys.stop - 1) // spacing, (xs.stop - 1) // spacing]), spacing, 6)
    gy, gx = y // spacing, x // spacing
    for dy, dx in itertools.product((-1, 0, 1), repeat=2):
        cy, cx = gy + dy, gx + dx
        iy, ix = cy - g0[0] + 1, cx - g0[1] + 1  # index into the tile's cell table
        alive, jy, jx, r, b, ph = (p[iy, ix] for p in params)
        d = np.hypot(y - (cy + 0.2 + 0.6 * jy) * spacing, x - (cx + 0.2 + 0.6 * jx) * spacing) / (9 + 9 * r)
        membrane = np.exp(-(((d - 1.0) / 0.12) ** 2))
        nucleus = np.exp(-((d / 0.45) ** 2)) * (0.7 + 0.3 * np.sin(x / 2.3 + y / 3.1 + 7 * ph))
        out += (alive < 0.8) * (2500 + 6000 * b) * (0.35 * membrane + nucleus)
    out += 120 * (hash32(y, x, seed=7) - 0.5)
    return np.clip(out, 0, 65535).astype(np.uint16)


def blobs_tile(region: Tile, spacing: int = 32) -> np.ndarray:
    """3D tile: Gaussian blobs on a jittered 3D grid, plus a little noise."""
    z, y, x = np.meshgrid(*(np.arange(s.start, s.stop) for s in region), indexing="ij")
    out = 200 + 80 * (hash32(z, y, x, seed=8) - 0.5)
    g0 = np.array([s.start // spacing for s in region])
    params = _cell_params(g0, np.array([(s.stop - 1) // spacing for s in region]), spacing, 6)
    g = (z // spacing, y // spacing, x // spacing)
    for off in itertools.product((-1, 0, 1), repeat=3):
        c = [gi + o for gi, o in zip(g, off, strict=True)]
        idx = tuple(ci - g0[k] + 1 for k, ci in enumerate(c))
        alive, jz, jy, jx, sig, b = (p[idx] for p in params)
        d2 = sum(
            (v - (ci + 0.25 + 0.5 * j) * spacing) ** 2 for v, ci, j in zip((z, y, x), c, (jz, jy, jx), strict=True)
        )
        sigma = 3 + 6 * sig
        out += (alive < 0.5) * (5000 + 40000 * b) * np.exp(-d2 / (2 * sigma**2))
    return np.clip(out, 0, 65535).astype(np.uint16)


def tiles(shape: tuple[int, ...], chunks: tuple[int, ...]) -> Iterator[Tile]:
    """Chunk-aligned regions covering `shape`."""
    for start in itertools.product(*(range(0, n, c) for n, c in zip(shape, chunks, strict=True))):
        yield tuple(slice(s, min(s + c, n)) for s, c, n in zip(start, chunks, shape, strict=True))


def block_mean(block: np.ndarray) -> np.ndarray:
    """2x mean on every axis (odd edges padded by replication), rounded back to the dtype."""
    pad = [(0, n % 2) for n in block.shape]
    b = np.pad(block, pad, mode="edge").astype(np.float64)
    for axis in range(b.ndim):
        b = (b.take(range(0, b.shape[axis], 2), axis) + b.take(range(1, b.shape[axis], 2), axis)) / 2
    return np.rint(b).astype(block.dtype)


def write_pyramid(
    path: Path, shape: tuple[int, ...], chunks: tuple[int, ...], make: Callable[[Tile], np.ndarray], max_px: int
) -> None:
    """Level 0 from `make`, then 2x block means until the largest side is <= max_px; NGFF 0.5 metadata."""
    shapes = [shape]
    while max(shapes[-1]) > max_px:
        shapes.append(tuple((n + 1) // 2 for n in shapes[-1]))
    group = zarr.open_group(str(path), mode="w", zarr_format=3)
    names = ["z", "y", "x"][-len(shape) :]
    arrays = [
        group.create_array(str(k), shape=s, chunks=tuple(min(c, n) for c, n in zip(chunks, s, strict=True)),
                           dtype="uint16", dimension_names=names)
        for k, s in enumerate(shapes)
    ]  # fmt: skip
    workers = max(1, os.cpu_count() or 1)
    for k, dst in enumerate(arrays):
        t0 = time.perf_counter()

        def put(region: Tile, k: int = k, dst=dst) -> None:
            if k == 0:
                dst[region] = make(region)
            else:
                src = arrays[k - 1]
                dst[region] = block_mean(src[tuple(slice(2 * r.start, min(2 * r.stop, n)) for r, n in
                                                   zip(region, src.shape, strict=True))])  # fmt: skip

        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(put, tiles(dst.shape, dst.chunks)))
        print(f"  {path.name} level {k} {dst.shape}: {time.perf_counter() - t0:.1f} s", flush=True)
    datasets = [
        {"path": str(k), "coordinateTransformations": [{"type": "scale", "scale": [float(2**k)] * len(shape)}]}
        for k in range(len(shapes))
    ]
    axes = [{"name": n, "type": "space", "unit": "micrometer"} for n in names]
    group.attrs["ome"] = {"version": "0.5", "multiscales": [{"name": path.name.split(".")[0], "axes": axes,
                                                              "datasets": datasets}]}  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("demo-data"), help="output directory (default demo-data)")
    parser.add_argument("--size-2d", type=int, default=16384, help="side of the 2D image (default 16384; 0: skip)")
    parser.add_argument("--size-3d", type=int, default=512, help="side of the 3D volume (default 512; 0: skip)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.size_2d > 0:
        n = args.size_2d
        write_pyramid(args.out / "cells_2d.ome.zarr", (n, n), (512, 512), cells_tile, max_px=1024)
    if args.size_3d > 0:
        n = args.size_3d
        write_pyramid(args.out / "blobs_3d.ome.zarr", (n, n, n), (64, 64, 64), blobs_tile, max_px=128)
    print(f"wrote {args.out.resolve()}")


if __name__ == "__main__":
    main()
