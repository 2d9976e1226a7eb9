"""add_image, step 2: validate the properties, hand the sources to the daemon, build the layers."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

import numpy as np

from . import _colormaps
from . import _validate as v
from ._channels import default_colormaps, omero_colormap, per_channel
from ._layers import Image
from ._plan import Plan
from ._sources import KernelSource, Source, ZarrSource

# Validators of add_image keywords that need nothing from the data (checked before any writing).
_EARLY = {
    "name": v.name,
    "colormap": v.colormap,
    "contrast_limits": v.contrast_limits,
    "gamma": v.gamma,
    "opacity": v.opacity,
    "visible": v.visible,
    "interpolation": v.interpolation,
    "blending": v.blending,
    "rendering": v.rendering,
    "attenuation": v.attenuation,
    "iso_threshold": v.iso_threshold,
}


def split_props(plan: Plan, props: dict[str, Any]) -> list[dict[str, Any]]:
    """One dict of keyword values per channel, the data-independent ones validated (None = default)."""
    n = plan.channels
    if plan.channel_axis is None:
        columns = {k: [val] for k, val in props.items()}
    else:
        columns = {k: per_channel(k, val, n) for k, val in props.items()}
    out = [{k: col[i] for k, col in columns.items()} for i in range(n)]
    for p in out:
        for key, check in _EARLY.items():
            if p.get(key) is not None:
                check(p[key])
    return out


def widen(lo: float, hi: float) -> list[float]:
    """Increasing contrast limits from a (min, max) that may be equal (constant data)."""
    if not lo < hi:
        hi = lo + 1.0 if lo + 1.0 > lo else lo + abs(lo) * 1e-9
    return [float(lo), float(hi)]


def _meta(source: Source) -> dict[str, Any] | None:
    """The metadata of a source that carries the user's own (a file, or lazy data: xarray coords,
    OME-Zarr opened in the kernel), else None (numpy arrays, scratch pyramids)."""
    if isinstance(source, KernelSource) or (isinstance(source, ZarrSource) and not source.kernel_written):
        return source.info
    return None


def _transform(source: Source, ndim: int, p: dict[str, Any], key: str, channel_axis: int | None) -> list[float]:
    value = p.get(key)
    if value is None:
        info = _meta(source)
        meta = info.get(key) if info is not None else None
        fallback = [1.0] * ndim if key == "scale" else [0.0] * ndim
        return list(meta) if isinstance(meta, list) and len(meta) == ndim else fallback
    if channel_axis is not None and hasattr(value, "__len__") and len(value) == ndim + 1:
        value = [x for i, x in enumerate(value) if i != channel_axis]  # napari accepts the full-data form
    checker = v.scale if key == "scale" else v.translate
    return checker(value, ndim)


def _layer_name(plan: Plan, info: dict[str, Any], index: int, given: Any, listed: bool) -> Any:
    """napari-like: the given name; channels: one listed name each, else "<name> [i]" or the omero label."""
    if given is not None and (plan.channel_axis is None or listed):
        return given
    base = given or (info.get("name") if plan.kind in ("location", "kernel") else None) or plan.default_name()
    if plan.channel_axis is None:
        return base
    channel = info.get("channel") if isinstance(info.get("channel"), dict) else {}
    label = channel.get("label")
    return label if given is None and isinstance(label, str) and label else f"{base} [{index}]"


def layer_state(plan: Plan, source: Source, index: int, p: dict[str, Any], layer_id: str) -> dict[str, Any]:
    """The LayerState of one new layer: given keywords, else defaults from the data / metadata."""
    n = plan.channels
    info = source.info if isinstance(source, ZarrSource | KernelSource) else {}
    if isinstance(source, KernelSource) and source.lazy.channel is not None:
        info = {**info, "channel": source.lazy.channel}
    ndim = len(source.levels[0].shape)
    channel = info.get("channel") if isinstance(info.get("channel"), dict) else None
    name = _layer_name(plan, info, index, p.get("name"), isinstance(p.get("_names"), list | tuple))
    if p.get("colormap") is not None:
        cmap = p["colormap"]
    elif plan.channel_axis is None:
        cmap = "gray"
    else:
        cmap = omero_colormap(channel) or default_colormaps(n)[index]
    colormap, colormap_lut = _colormaps.resolve(cmap)
    if p.get("contrast_limits") is not None:
        limits = v.contrast_limits(p["contrast_limits"])
    elif isinstance(source, ZarrSource | KernelSource):
        # A file: the coarsest level's range, as napari does for multiscale; lazy data: a bounded sample.
        lo, hi = info["contrast_range"]
        limits = widen(float(lo), float(hi))
    else:
        limits = v.default_contrast_limits(source.array)
    blending = p.get("blending") or ("translucent" if plan.channel_axis is None else "additive")
    iso = p.get("iso_threshold")
    return {
        "id": layer_id,
        "name": v.name(name),
        "visible": v.visible(True if p.get("visible") is None else p["visible"]),
        "opacity": v.opacity(1.0 if p.get("opacity") is None else p["opacity"]),
        "colormap": colormap,
        "colormap_lut": colormap_lut,
        "contrast_limits": limits,
        "contrast_limits_range": limits_range(plan, source, p.get("contrast_limits") is not None, limits),
        "gamma": v.gamma(1.0 if p.get("gamma") is None else p["gamma"]),
        "interpolation": v.interpolation(p.get("interpolation") or "nearest"),
        "blending": v.blending(blending),
        "scale": _transform(source, ndim, p, "scale", plan.channel_axis),
        "translate": _transform(source, ndim, p, "translate", plan.channel_axis),
        "rendering": v.rendering(p.get("rendering") or "mip"),
        "attenuation": v.attenuation(0.05 if p.get("attenuation") is None else p["attenuation"]),
        # napari: the middle of the contrast range when not given.
        "iso_threshold": v.iso_threshold((limits[0] + limits[1]) / 2 if iso is None else iso),
        "locked_data_level": None,
        "units": _units(source, ndim, p.get("units")),
        "bounding_box": {"visible": False},
    }


def limits_range(plan: Plan, source: Source, given: bool, limits: list[float]) -> list[float]:
    """napari's contrast_limits_range of a new layer (napari/layers/image/image.py, Image.__init__).

    Given contrast limits: those. uint8: [0, 255]. A numpy array: its data range (our contrast limits).
    Other data (dask, zarr, a file, a multiscale list): integers the dtype's full range (napari's
    reset_contrast_limits_range), floats the data range. Never narrower than the contrast limits.
    """
    dtype = np.dtype(source.dtype)
    numpy_data = plan.kind == "inline" or (plan.downsample and isinstance(plan.arrays[0], np.ndarray))
    if given:
        lo, hi = limits
    elif dtype == np.uint8:
        lo, hi = 0.0, 255.0
    elif dtype.kind in "iu" and not numpy_data:
        info = np.iinfo(dtype)
        lo, hi = float(info.min), float(info.max)
    else:
        lo, hi = limits
    return [min(lo, limits[0]), max(hi, limits[1])]


def _units(source: Source, ndim: int, given: Any) -> list[str]:
    """Per-axis units: the given ones, else the OME-Zarr axes' "unit" of a file, else "" (none)."""
    if given is not None:
        return v.units(given, ndim)
    info = _meta(source)
    if info is not None and isinstance(info.get("axes"), list):
        axes = info["axes"]
        found = [a.get("unit") if isinstance(a, dict) else None for a in axes]
        if len(found) == ndim:
            # A unit the metadata spells too long is dropped rather than failing the layer.
            return [u if isinstance(u, str) and len(u) <= v.MAX_UNIT_CHARS else "" for u in found]
    return [""] * ndim


def create_layers(
    link: Any,
    plan: Plan,
    props: dict[str, Any],
    layer_type: type[Image] = Image,
    check: Callable[[Source], None] | None = None,
    extra_state: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> list[Image]:
    """Validate, write/send the data, and return the new (not yet listed) layers.

    `layer_type` (Image, Labels) builds each layer; `check` looks at each source once the daemon
    knows it (its dtype); `extra_state` gives the layer type's own state entries from the keywords.
    On any failure nothing stays behind: layers already in the daemon are removed and scratch
    pyramids deleted.
    """
    per = split_props(plan, props)
    for p in per:
        p["_names"] = props.get("name")
    base = props.get("name") if isinstance(props.get("name"), str) else None
    sources = _kernel_sources(plan, per) if plan.kind == "kernel" else plan.make_sources(base)
    sent: list[str] = []
    try:
        layers = []
        for i, (source, p) in enumerate(zip(sources, per, strict=True)):
            layer_id = "l" + secrets.token_hex(8)
            link.upload_source(layer_id, source)
            sent.append(layer_id)
            if check is not None:
                check(source)
            state = layer_state(plan, source, i, p, layer_id)
            if extra_state is not None:
                state.update(extra_state(p))
            layers.append(layer_type(layer_id, source, state))
        return layers
    except BaseException:
        try:
            link.remove_ids(sent)
        finally:
            for source in sources:
                source.close()
        raise


def _kernel_sources(plan: Plan, per: list[dict[str, Any]]) -> list[Source]:
    """Lazy data: each LazyImage named as its layer (for error messages) and given its contrast
    range (the given limits, else a bounded sample computed here: errors raise in the cell)."""
    sources: list[Source] = []
    for i, (lazy, p) in enumerate(zip(plan.lazy_images(), per, strict=True)):
        info = {"name": lazy.name, "channel": lazy.channel}
        lazy.label = str(_layer_name(plan, info, i, p.get("name"), isinstance(p.get("_names"), list | tuple)))
        if p.get("contrast_limits") is not None:
            lazy.contrast_range = v.contrast_limits(p["contrast_limits"])
        sources.append(KernelSource(lazy))  # reads lazy.contrast_range: samples it when not given
    return sources


def axis_labels(layers: list[Image]) -> list[str] | None:
    """Axis names from the OME metadata of the first layer opened from a file, if any."""
    for layer in layers:
        src = layer._source
        info = _meta(src)
        if isinstance(src, KernelSource) and not src.lazy.named_axes:
            continue  # plain lazy arrays: napari's numbered axes, not our default names
        if info is not None and isinstance(info.get("axes"), list):
            names = [a.get("name") for a in info["axes"] if isinstance(a, dict)]
            if len(names) == layer.ndim and all(isinstance(n, str) and n for n in names):
                return names
    return None
