"""add_image, step 1: what the data is and how it reaches the daemon (before anything is written).

- a path or URL: the daemon opens it (`open_layer`);
- a numpy array within the inline budget: its bytes are sent (`set_layer_data`), exactly;
- a larger numpy array, a `multiscale` list of numpy arrays: written as an OME-Zarr pyramid in a
  private scratch directory (chunk by chunk, never whole in memory), which the daemon opens;
- anything else array-like (dask, zarr-python, h5py, xarray, a multiscale list holding any of them)
  and OME-Zarr URLs the daemon cannot open (memory://, s3://, ...): served by the kernel chunk by
  chunk as the daemon asks (`kernel`: a LazyImage per channel, nothing computed here).
`channel_axis` makes one source per channel (zarr: `select` on that axis; lazy data: a lazy take).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

import numpy as np

from . import _arrays
from . import _lazy_inputs as li
from . import _validate as v
from ._channels import normalise_axis
from ._lazy import LazyImage
from ._lazy_ome import open_ome
from ._lazy_read import protocol_dtype
from ._pyramid import write_pyramid
from ._scratch import ScratchDir
from ._sources import ArraySource, KernelSource, Source, ZarrSource


@dataclass
class Plan:
    """How the data of one add_image call becomes sources (one per channel)."""

    kind: str  # "location" | "inline" | "pyramid" | "kernel"
    shape: tuple[int, ...]  # full data shape (level 0), channel axis included
    channel_axis: int | None
    uri: str = ""
    arrays: list[Any] = field(default_factory=list)  # inline: [array]; pyramid: levels, finest first
    downsample: bool = False  # pyramid: compute coarser levels from arrays[0]
    lazy: li.LazyInput | None = None  # kernel: the levels and metadata the kernel serves
    nearest: bool = False  # computed levels take every other pixel (labels), not the block mean

    @property
    def channels(self) -> int:
        return 1 if self.channel_axis is None else int(self.shape[self.channel_axis])

    @property
    def layer_ndim(self) -> int:
        return len(self.shape) - (self.channel_axis is not None)

    def default_name(self) -> str:
        """The file's name for a location (".ome.zarr"/".zarr" dropped), else napari's "Image"."""
        if self.kind not in ("location", "kernel") or not self.uri:
            return "Image"
        stem = PurePosixPath(self.uri.rstrip("/")).name or "Image"
        for suffix in (".ome.zarr", ".zarr"):
            if stem.lower().endswith(suffix) and len(stem) > len(suffix):
                return stem[: -len(suffix)]
        return stem

    def lazy_images(self) -> list[LazyImage]:
        """Kind "kernel": one LazyImage per channel (nothing is read or computed)."""
        assert self.lazy is not None
        k = self.channel_axis
        parts = [self.lazy] if k is None else [self.lazy.channel(k, i) for i in range(self.channels)]
        return [_lazy_image(p, self.nearest) for p in parts]

    def make_sources(self, name: str | None) -> list[Source]:
        """Build the sources (writes the scratch pyramid for kind "pyramid"; kind "kernel" samples
        each channel's contrast range, see LazyImage.contrast_range)."""
        k, n = self.channel_axis, self.channels
        if self.kind == "kernel":
            return [KernelSource(lazy) for lazy in self.lazy_images()]
        if self.kind == "inline":
            arr = self.arrays[0]
            if k is None:
                return [ArraySource(v.coerce_data(arr))]
            return [ArraySource(v.coerce_data(np.take(arr, i, axis=k))) for i in range(n)]
        selects = [[]] if k is None else [[{"axis": k, "index": i}] for i in range(n)]
        if self.kind == "location":
            return [ZarrSource(self.uri, s) for s in selects]
        scratch = ScratchDir()
        try:
            write_pyramid(scratch.path, self.arrays, downsample=self.downsample, name=name, nearest=self.nearest)
        except BaseException:
            scratch.remove()
            raise
        level0 = self.arrays[0]
        views = [_read_only(level0)] if k is None else [_read_only(_channel(level0, k, i)) for i in range(n)]
        sources: list[Source] = [
            ZarrSource(str(scratch.path), s, scratch=scratch, array=a) for s, a in zip(selects, views, strict=True)
        ]
        return sources


def _lazy_image(part: li.LazyInput, nearest: bool = False) -> LazyImage:
    image = LazyImage(
        part.levels,
        reduce=not part.given,
        nearest=nearest,
        axes=part.axes,
        scale=part.scale,
        translate=part.translate,
        name=part.name,
        data=part.data,
        factors=part.factors,
        offsets=part.offsets,
    )
    image.channel = part.channels[0] if len(part.channels) == 1 else None
    return image


def _channel(arr: Any, axis: int, index: int) -> Any:
    return arr[(slice(None),) * axis + (index,)]


def _read_only(arr: Any) -> Any:
    if isinstance(arr, np.ndarray):
        arr = arr.view()
        arr.flags.writeable = False
    return arr


def _looks_multiscale(data: Any) -> bool:
    return (
        isinstance(data, list | tuple)
        and len(data) > 0
        and all(isinstance(a, np.ndarray) or _arrays.is_lazy_array(a) for a in data)
        and all(len(a.shape) >= 2 for a in data)
    )


def plan(link: Any, data: Any, channel_axis: Any, multiscale: Any, inline_limit: int) -> Plan:
    """Classify `data`; for a location the daemon is asked for its shape only when channels are split."""
    if not (multiscale is None or isinstance(multiscale, bool)):
        raise TypeError(f"multiscale must be None, True or False, got {multiscale!r}")
    if data is None:
        raise TypeError("add_image needs data: an array, a dask array, a list of arrays or a path/URL")
    if _arrays.is_location(data) and li.kernel_url(str(data)):
        return _kernel_plan(open_ome(str(data)), channel_axis, uri=str(data))
    if _arrays.is_location(data):
        uri = _arrays.location_uri(data)
        if channel_axis is None:
            return Plan("location", (), None, uri=uri)
        shape = probe_shape(link, uri)
        return Plan("location", shape, normalise_axis(channel_axis, len(shape)), uri=uri)
    if multiscale or (multiscale is None and _looks_multiscale(data)):
        levels = _arrays.check_multiscale(data)
        if not all(isinstance(a, np.ndarray) for a in levels):
            return _kernel_plan(li.multiscale(levels), channel_axis)
        _arrays.target_dtype(levels[0])  # reject bad dtypes before writing anything
        shape = tuple(int(s) for s in levels[0].shape)
        k = None if channel_axis is None else normalise_axis(channel_axis, len(shape))
        return Plan("pyramid", shape, k, arrays=levels)
    if not isinstance(data, np.ndarray):
        if _arrays.is_lazy_array(data) and hasattr(data, "__getitem__"):
            return _kernel_plan(li.single(data), channel_axis)
        data = np.asarray(data)  # sequences, and array-likes that only convert (__array__)
    _arrays.check_shape(data.shape)
    shape = tuple(int(s) for s in data.shape)
    k = None if channel_axis is None else normalise_axis(channel_axis, len(shape))
    if _arrays.nbytes(data) > inline_limit:
        _arrays.target_dtype(data)
        return Plan("pyramid", shape, k, arrays=[data], downsample=True)
    return Plan("inline", shape, k, arrays=[np.asarray(data)])


def _kernel_plan(lazy: li.LazyInput, channel_axis: Any, uri: str = "") -> Plan:
    """Lazy data served by the kernel; shape and dtype checked here, nothing read."""
    _arrays.check_shape(lazy.shape)
    protocol_dtype(lazy.levels[0].dtype)
    k = None if channel_axis is None else normalise_axis(channel_axis, len(lazy.shape))
    return Plan("kernel", lazy.shape, k, uri=uri, lazy=lazy)


def probe_shape(link: Any, uri: str) -> tuple[int, ...]:
    """Level-0 shape of an image the daemon can open (opened under a throwaway id, then removed)."""
    probe = ZarrSource(uri)
    layer_id = "probe-" + secrets.token_hex(6)
    link.upload_source(layer_id, probe)
    link.remove_ids([layer_id])
    return probe.levels[0].shape
