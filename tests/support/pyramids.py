"""Synthetic OME-Zarr pyramids for the benchmark and the multiscale end-to-end test, by ome-zarr-py.

The 2D image is microscopy-like: a smooth background, a lattice of bright Gaussian "cells" and
per-pixel noise (so chunks compress like real data, neither trivially nor not at all). Tiles are
computed lazily from their global coordinates (dask), so memory stays at a few chunks whatever
the size, and ome-zarr-py builds the pyramid with block means (`local_mean`).

    python tests/support/pyramids.py OUT.ome.zarr --size 8192     # ~130 MiB at level 0
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import dask.array as da
import numpy as np
import zarr
from ome_zarr.format import FormatV04
from ome_zarr.scale import Methods
from ome_zarr.writer import write_image

warnings.filterwarnings("ignore", module="ome_zarr")


def cells_block(noise: float = 0.8, grating: float = 0.0, block_info: dict | None = None) -> np.ndarray:
    """One tile of the 2D test image from its global offset (deterministic, no random state).

    `noise` scales the per-pixel noise (uniform, 0..255 * noise grey levels); `grating` is the amplitude
    of an 8 px checker-like grating, detail that only level 0 holds (any 2^k >= 8 block mean removes it).
    """
    assert block_info is not None
    (y0, y1), (x0, x1) = block_info[None]["array-location"]
    y, x = np.meshgrid(np.arange(y0, y1, dtype=np.float32), np.arange(x0, x1, dtype=np.float32), indexing="ij")
    out = 800 + 300 * np.sin(y / 900.0) * np.cos(x / 700.0)
    # Cells on a 64 px lattice, radius ~12 px, with a 5 px intensity texture inside.
    cy, cx = (y % 64) - 32, (x % 64) - 32
    out += 6000 * np.exp(-(cy * cy + cx * cx) / (2 * 12.0**2)) * (0.75 + 0.25 * np.sin(x / 1.7 + y / 2.3))
    if grating:
        out += grating * np.sin(y * (np.pi / 4)) * np.sin(x * (np.pi / 4))
    # Per-pixel noise from an integer hash of the coordinates.
    h = (y.astype(np.uint32) * np.uint32(73856093)) ^ (x.astype(np.uint32) * np.uint32(19349663))
    h = (h ^ (h >> np.uint32(13))) * np.uint32(0x5BD1E995)
    out += (h >> np.uint32(24)).astype(np.float32) * noise
    return np.clip(out, 0, 65535).astype(np.uint16)


def levels_for(size: int, coarsest: int) -> int:
    """Number of pyramid levels (halving) until the side is <= `coarsest`."""
    n = 1
    while size > coarsest:
        size = (size + 1) // 2
        n += 1
    return n


def write_pyramid_2d(
    path: Path, size: int, chunk: int = 512, coarsest: int = 512, noise: float = 0.8, grating: float = 0.0
) -> dict:
    """A (size, size) uint16 NGFF 0.4 pyramid (Zarr v2, blosc-zstd), halved until <= `coarsest` px.

    Returns {"path", "shape", "levels", "chunk", "seconds"}.
    """
    t0 = time.perf_counter()
    blocks = (chunk,) * (size // chunk) + ((size % chunk,) if size % chunk else ())
    img = da.map_blocks(cells_block, noise=noise, grating=grating, dtype=np.uint16, chunks=(blocks, blocks))
    n = levels_for(size, coarsest)
    group = zarr.open_group(str(path), mode="w", zarr_format=2)
    write_image(
        img,
        group,
        axes="yx",
        fmt=FormatV04(),
        scale_factors=[2**k for k in range(1, n)],
        method=Methods.LOCAL_MEAN,
        storage_options={"chunks": (chunk, chunk)},
    )
    return {"path": str(path), "shape": [size, size], "levels": n, "chunk": chunk, "seconds": time.perf_counter() - t0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", type=Path)
    ap.add_argument("--size", type=int, default=8192)
    ap.add_argument("--chunk", type=int, default=512)
    args = ap.parse_args()
    print(write_pyramid_2d(args.out, args.size, args.chunk))


if __name__ == "__main__":
    main()
