"""What add_image's lazy inputs are made of: xarray DataArrays (dims -> axis names, evenly spaced
coords -> scale/translate), zarr-python / h5py / dask arrays as they are, and OME-Zarr groups
behind URLs the daemon cannot open (memory://, s3://, gs://, ...: any scheme but http(s)/file),
opened in the kernel with zarr-python + fsspec. channel_axis takes one channel without reading.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from ._arrays import is_dask

DAEMON_SCHEMES = ("http", "https", "file")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


@dataclass
class LazyInput:
    """Levels (finest first) and metadata of lazy data; `given`: levels are a pyramid as given."""

    levels: list[Any]
    given: bool
    data: Any
    axes: list[dict[str, Any]] | None = None
    scale: list[float] | None = None
    translate: list[float] | None = None
    name: str | None = None
    factors: list[list[float]] | None = None
    offsets: list[list[float]] | None = None
    channels: list[dict[str, Any]] = field(default_factory=list)

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(int(n) for n in self.levels[0].shape)

    def channel(self, axis: int, index: int) -> LazyInput:
        """One channel along `axis`, nothing read (dask/xarray: their own lazy indexing)."""
        drop = lambda xs: None if xs is None else [x for k, x in enumerate(xs) if k != axis]  # noqa: E731
        info = self.channels[index] if index < len(self.channels) else None
        return replace(
            self,
            levels=[take(a, axis, index) for a in self.levels],
            data=take(self.data, axis, index),
            axes=drop(self.axes),
            scale=drop(self.scale),
            translate=drop(self.translate),
            factors=None if self.factors is None else [drop(f) for f in self.factors],
            offsets=None if self.offsets is None else [drop(o) for o in self.offsets],
            channels=[info] if info is not None else [],
        )


class AxisTake:
    """arr[..., index, ...] on `axis` without reading: shape, dtype, chunks and numpy slicing."""

    def __init__(self, arr: Any, axis: int, index: int) -> None:
        self.base, self.axis, self.index = arr, axis, index
        self.shape = tuple(int(n) for k, n in enumerate(arr.shape) if k != axis)
        self.dtype = np.dtype(arr.dtype)
        self.ndim = len(self.shape)

    @property
    def chunks(self) -> Any:
        chunks = getattr(self.base, "chunks", None)
        return None if chunks is None else tuple(c for k, c in enumerate(chunks) if k != self.axis)

    def __getitem__(self, key: Any) -> Any:
        key = key if isinstance(key, tuple) else (key,)
        key = key + (slice(None),) * (self.ndim - len(key))
        return self.base[(*key[: self.axis], self.index, *key[self.axis :])]

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        return np.asarray(self[(slice(None),) * self.ndim], dtype=dtype)

    def __repr__(self) -> str:
        return f"<channel {self.index} on axis {self.axis} of {self.base!r}>"


def take(arr: Any, axis: int, index: int) -> Any:
    """Lazily index `arr` at `index` on `axis`."""
    if is_xarray(arr):
        return arr.isel({arr.dims[axis]: index})
    if is_dask(arr) or isinstance(arr, np.ndarray):
        return arr[(slice(None),) * axis + (index,)]
    return AxisTake(arr, axis, index)


def is_xarray(data: Any) -> bool:
    """An xarray.DataArray (by module name: xarray is optional)."""
    return type(data).__module__.split(".")[0] == "xarray" and hasattr(data, "dims") and hasattr(data, "data")


def kernel_url(text: str) -> bool:
    """A URL whose scheme the daemon cannot open (served from the kernel instead)."""
    match = _SCHEME.match(text)
    return match is not None and match.group(1).lower() not in DAEMON_SCHEMES


def _even_spacing(values: np.ndarray) -> tuple[float, float] | None:
    """(scale, translate) of evenly spaced numeric coordinates, else None."""
    if values.ndim != 1 or values.dtype.kind not in "iuf" or values.size == 0:
        return None
    v = values.astype(np.float64)
    if not np.all(np.isfinite(v)):
        return None
    if v.size == 1:
        return 1.0, float(v[0])
    step = np.diff(v)
    if step[0] == 0 or not np.allclose(step, step[0], rtol=1e-6, atol=0):
        return None
    return float(step[0]), float(v[0])


def from_xarray(arr: Any) -> LazyInput:
    """A DataArray: its `.data` (numpy or dask) with dim names, units and evenly spaced coords."""
    axes, scale, translate = [], [], []
    for dim in arr.dims:
        coord = arr.coords.get(dim)
        unit = coord.attrs.get("units") if coord is not None else None
        fit = _even_spacing(np.asarray(coord.values)) if coord is not None else None
        s, t = fit if fit is not None else (1.0, 0.0)
        scale.append(s)
        translate.append(t)
        axes.append({"name": str(dim), "type": None, "unit": unit if isinstance(unit, str) else None})
    return LazyInput([arr.data], False, arr, axes=axes, scale=scale, translate=translate)


def single(data: Any) -> LazyInput:
    """One lazy array (dask, zarr, h5py, xarray, anything with shape, dtype and numpy slicing)."""
    if is_xarray(data):
        return from_xarray(data)
    return LazyInput([data], False, data)


def multiscale(levels: Sequence[Any]) -> LazyInput:
    """A list of levels, finest first, used as given (xarray levels: their `.data`; names and coords
    from level 0)."""
    first = from_xarray(levels[0]) if is_xarray(levels[0]) else None
    arrays = [a.data if is_xarray(a) else a for a in levels]
    if first is None:
        return LazyInput(arrays, True, levels[0])
    return replace(first, levels=arrays, given=True, data=levels[0])
