"""What kind of image data add_image got, and its protocol dtype, decided without copying the data."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ._protocol import CONTROL_MAX_MESSAGE_BYTES, DTYPES, MAX_NDIM

INLINE_ENV = "NAPARI_CUDA_INLINE_BYTES"
INLINE_BYTES_DEFAULT = 256 * 2**20


def inline_budget() -> int:
    """Largest numpy array sent to the daemon as one message (NAPARI_CUDA_INLINE_BYTES, default 256 MiB).

    Larger numpy arrays are written as a Zarr pyramid in a private scratch directory that the daemon
    reads chunk by chunk; lazy arrays (dask, zarr, ...) are served by the kernel chunk by chunk.
    """
    raw = os.environ.get(INLINE_ENV, "").strip()
    if not raw:
        return INLINE_BYTES_DEFAULT
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"{INLINE_ENV} must be a number of bytes, got {raw!r}") from None
    if value < 0:
        raise ValueError(f"{INLINE_ENV} must be >= 0, got {value}")
    return value


_MESSAGE_HEADER_BYTES = 64 * 1024  # room for the layer message's JSON header next to the array


def max_data_bytes() -> int:
    """Most array bytes one layer message may carry: the daemon's per-message limit
    (NAPARI_CUDA_MAX_MESSAGE_BYTES, which the daemon inherits from this environment, else the
    default) less room for the header. Not NAPARI_CUDA_MAX_DATA_BYTES: that is the daemon's memory
    budget for all layers, which the daemon checks itself."""
    try:
        limit = int(os.environ.get("NAPARI_CUDA_MAX_MESSAGE_BYTES", CONTROL_MAX_MESSAGE_BYTES))
    except ValueError:
        limit = CONTROL_MAX_MESSAGE_BYTES
    return max(0, limit - _MESSAGE_HEADER_BYTES)


def inline_limit() -> int:
    """Largest array sent whole: the inline budget, within one message."""
    return min(inline_budget(), max_data_bytes())


def is_dask(data: Any) -> bool:
    """A dask array (checked by module name: dask is optional and imported only when used)."""
    return type(data).__module__.split(".")[0] == "dask" and hasattr(data, "compute")


def is_location(data: Any) -> bool:
    """A path or URL: str or os.PathLike."""
    return isinstance(data, str | os.PathLike)


def is_lazy_array(data: Any) -> bool:
    """An array-like with shape and dtype that is not numpy (dask, zarr, h5py, ...)."""
    return not isinstance(data, np.ndarray) and hasattr(data, "shape") and hasattr(data, "dtype")


def location_uri(data: str | os.PathLike) -> str:
    """http(s):// and file:// URLs as given; local paths made absolute (~ expanded)."""
    text = os.fspath(data)
    if not isinstance(text, str):
        raise TypeError(f"a path must be text, got {type(text).__name__}")
    if text.strip() == "":
        raise ValueError("image path must not be empty")
    lower = text.lower()
    if lower.startswith(("http://", "https://", "file://")):
        return text
    return str(Path(text).expanduser().resolve())


def check_shape(shape: Sequence[int], what: str = "image data") -> None:
    """ndim in [2, MAX_NDIM] and no empty axis, else ValueError."""
    if len(shape) < 2:
        raise ValueError(f"{what} must have ndim >= 2 (..., y, x), got ndim={len(shape)}")
    if len(shape) > MAX_NDIM:
        raise ValueError(f"{what} must have ndim <= {MAX_NDIM}, got ndim={len(shape)}")
    if any(int(n) == 0 for n in shape):
        raise ValueError(f"{what} must not be empty, got shape {tuple(shape)}")


def target_dtype(data: Any) -> np.dtype:
    """The little-endian protocol dtype `data` is sent as (same rules as _validate.coerce_data).

    bool -> uint8, float16 -> float32, int64/uint64 -> int32/uint32 when every value of a numpy
    array fits (one pass over it), else float64; lazy int64/uint64 data is float64 (never a pass).
    """
    dtype = np.dtype(data.dtype)
    kind = dtype.kind
    if kind == "b":
        return np.dtype(np.uint8)
    if dtype == np.float16:
        return np.dtype(np.float32)
    if kind in "iu" and dtype.itemsize == 8:
        target = np.dtype(np.int32 if kind == "i" else np.uint32)
        if not isinstance(data, np.ndarray):
            return np.dtype(np.float64)
        lo, hi = np.min(data), np.max(data)
        info = np.iinfo(target)
        return target if int(lo) >= info.min and int(hi) <= info.max else np.dtype(np.float64)
    if dtype.name not in DTYPES or kind not in "iuf":
        raise ValueError(
            f"image data has dtype {dtype} (not supported); use one of: {', '.join(DTYPES)} "
            "(or bool, float16, int64, uint64, which are converted)"
        )
    return dtype.newbyteorder("<")


def nbytes(data: Any) -> int:
    """Bytes the data would take in memory (without computing it)."""
    return int(np.prod(data.shape, dtype=np.int64)) * np.dtype(data.dtype).itemsize


def check_multiscale(levels: Any) -> list[Any]:
    """A multiscale list: >= 1 arrays of one ndim, each level's shape <= the previous on every axis
    and smaller on at least one; ValueError naming the level otherwise."""
    if isinstance(levels, np.ndarray) or is_lazy_array(levels) or not isinstance(levels, Sequence):
        raise TypeError("multiscale=True needs a list of arrays, finest level first")
    out = [np.asarray(a) if not (isinstance(a, np.ndarray) or is_lazy_array(a)) else a for a in levels]
    if not out:
        raise ValueError("multiscale data must have at least one level")
    for k, level in enumerate(out):
        check_shape(level.shape, f"multiscale level {k}")
        if len(level.shape) != len(out[0].shape):
            raise ValueError(f"multiscale level {k} has ndim {len(level.shape)}, level 0 has {len(out[0].shape)}")
        if k == 0:
            continue
        prev, cur = tuple(out[k - 1].shape), tuple(level.shape)
        if any(c > p for c, p in zip(cur, prev, strict=True)) or cur == prev:
            raise ValueError(
                f"multiscale levels must get smaller (finest first): level {k} has shape {cur}, "
                f"level {k - 1} has {prev}"
            )
    return out
