"""Validation of user input (layer properties, camera, data): ValueErrors name the property."""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Iterable
from typing import Any

import numpy as np

from . import _colormaps
from ._protocol import (
    ATTENUATION_MAX,
    BLENDINGS,
    COLORMAP_LUT_HEX_CHARS,
    DTYPES,
    GAMMA_MAX,
    INTERPOLATIONS,
    MAX_NAME_CHARS,
    MAX_NDIM,
    RENDERINGS,
    ZOOM_MAX,
)

_LOWER_HEX = re.compile(r"[0-9a-f]*")
MAX_UNIT_CHARS = 64


def finite_float(name: str, value: Any) -> float:
    """A finite float, else ValueError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    out = float(value)
    if not math.isfinite(out):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return out


def float_tuple(name: str, value: Any, length: int | None = None) -> tuple[float, ...]:
    """A tuple of finite floats (of `length` items when given)."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise ValueError(f"{name} must be a sequence of numbers, got {value!r}")
    items = tuple(finite_float(f"{name}[{i}]", v) for i, v in enumerate(value))
    if length is not None and len(items) != length:
        raise ValueError(f"{name} must have {length} values, got {len(items)}")
    return items


def choice(name: str, value: Any, allowed: tuple[str, ...]) -> str:
    """One of `allowed`, else ValueError listing the valid names."""
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"unknown {name} {value!r}; valid names: {', '.join(allowed)}")
    return value


def colormap(value: Any) -> str:
    """The name of any colormap napari accepts (napari_cuda._colormaps.resolve gives its table too)."""
    return _colormaps.resolve(value)[0]


def colormap_lut(value: Any) -> str | None:
    """None, or a colormap table: 1536 lowercase hex characters (256 RGB entries)."""
    if value is None:
        return None
    if not isinstance(value, str) or len(value) != COLORMAP_LUT_HEX_CHARS or not _LOWER_HEX.fullmatch(value):
        raise ValueError(
            f"colormap_lut must be None or {COLORMAP_LUT_HEX_CHARS} lowercase hex characters (256 RGB entries), "
            f"got {value if not isinstance(value, str) else f'a string of {len(value)} characters'!r}"
        )
    return value


def interpolation(value: Any) -> str:
    """'nearest' or 'linear'."""
    return choice("interpolation", value, INTERPOLATIONS)


def blending(value: Any) -> str:
    """A napari blending name."""
    return choice("blending", value, BLENDINGS)


def rendering(value: Any) -> str:
    """A napari 3D rendering mode."""
    return choice("rendering", value, RENDERINGS)


def attenuation(value: Any) -> float:
    """attenuated_mip's attenuation per world unit: >= 0."""
    out = finite_float("attenuation", value)
    if not 0 <= out <= ATTENUATION_MAX:
        raise ValueError(f"attenuation must be in [0, {ATTENUATION_MAX:g}], got {out}")
    return out


def iso_threshold(value: Any) -> float:
    """iso's surface threshold, in data values."""
    return finite_float("iso_threshold", value)


def locked_data_level(value: Any, level_count: int) -> int | None:
    """None (automatic level) or a level index in [0, level_count - 1]."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ValueError(f"locked_data_level must be None or an integer, got {value!r}")
    if not 0 <= int(value) < level_count:
        raise ValueError(
            f"locked_data_level must be None or in [0, {level_count - 1}] (the layer has {level_count} "
            f"level{'s' if level_count != 1 else ''}), got {value}"
        )
    return int(value)


def contrast_limits_range(value: Any) -> list[float]:
    """napari's contrast-limits slider range: two finite, increasing numbers."""
    lo, hi = float_tuple("contrast_limits_range", value, 2)
    if not lo < hi:
        raise ValueError(f"contrast_limits_range must be increasing (low < high), got ({lo}, {hi})")
    return [lo, hi]


def units(value: Any, ndim: int) -> list[str]:
    """napari's units: one string for every axis, or one per axis; None = none ("")."""
    if value is None:
        return [""] * ndim
    if isinstance(value, str):
        value = [value] * ndim
    elif isinstance(value, bytes) or not isinstance(value, Iterable):
        raise ValueError(f"units must be a string or a sequence of {ndim} strings, got {value!r}")
    out = ["" if u is None else u for u in value]
    if len(out) != ndim or not all(isinstance(u, str) and len(u) <= MAX_UNIT_CHARS for u in out):
        raise ValueError(
            f"units must be {ndim} strings (one per axis) of at most {MAX_UNIT_CHARS} characters, got {out!r}"
        )
    return out


def bounding_box(value: Any) -> dict[str, bool]:
    """The bounding_box state: {"visible": bool}."""
    if not isinstance(value, dict) or "visible" not in value:
        raise ValueError(f'bounding_box must be {{"visible": True|False}}, got {value!r}')
    if not isinstance(value["visible"], bool | np.bool_):
        raise ValueError(f"bounding_box.visible must be True or False, got {value['visible']!r}")
    return {"visible": bool(value["visible"])}


def contrast_limits(value: Any) -> list[float]:
    """Two finite, increasing numbers."""
    lo, hi = float_tuple("contrast_limits", value, 2)
    if not lo < hi:
        raise ValueError(f"contrast_limits must be increasing (low < high), got ({lo}, {hi})")
    return [lo, hi]


def gamma(value: Any) -> float:
    """A number in (0, 100]."""
    out = finite_float("gamma", value)
    if not 0 < out <= GAMMA_MAX:
        raise ValueError(f"gamma must be > 0 and <= {GAMMA_MAX:g}, got {out}")
    return out


def opacity(value: Any) -> float:
    """A number in [0, 1]."""
    out = finite_float("opacity", value)
    if not 0 <= out <= 1:
        raise ValueError(f"opacity must be in [0, 1], got {out}")
    return out


def visible(value: Any) -> bool:
    """A bool (numpy bools included)."""
    if not isinstance(value, bool | np.bool_):
        raise ValueError(f"visible must be True or False, got {value!r}")
    return bool(value)


def name(value: Any) -> str:
    """A layer name: a string of at most 256 characters."""
    if not isinstance(value, str):
        raise ValueError(f"name must be a string, got {value!r}")
    if len(value) > MAX_NAME_CHARS:
        raise ValueError(f"name must have at most {MAX_NAME_CHARS} characters, got {len(value)}")
    return value


def scale(value: Any, ndim: int) -> list[float]:
    """Per-axis positive scale factors, one per layer axis."""
    out = float_tuple("scale", value, ndim)
    if any(s <= 0 for s in out):
        raise ValueError(f"scale values must be > 0, got {out}")
    return list(out)


def translate(value: Any, ndim: int) -> list[float]:
    """Per-axis finite offsets, one per layer axis."""
    return list(float_tuple("translate", value, ndim))


def zoom(value: Any) -> float:
    """Camera zoom: > 0 and <= 1e6."""
    out = finite_float("zoom", value)
    if not 0 < out <= ZOOM_MAX:
        raise ValueError(f"zoom must be > 0 and <= {ZOOM_MAX:g}, got {out}")
    return out


def center(value: Any) -> list[float]:
    """Camera centre: (y, x), or (z, y, x)."""
    out = float_tuple("center", value)
    if len(out) not in (2, 3):
        raise ValueError(f"center must have 2 values (y, x) or 3 (z, y, x), got {len(out)}")
    return list(out)


def angles(value: Any) -> list[float]:
    """Camera angles: three finite numbers (degrees)."""
    return list(float_tuple("angles", value, 3))


def coerce_data(data: Any) -> np.ndarray:
    """Image data as a native-endian, C-contiguous array of a protocol dtype.

    bool -> uint8; float16 -> float32; int64/uint64 -> int32/uint32 when every value fits, else
    float64 (exact up to 2**53). Anything else outside the protocol's dtypes raises ValueError.
    """
    arr = np.asarray(data)
    if arr.ndim < 2:
        raise ValueError(f"image data must have ndim >= 2 (..., y, x), got ndim={arr.ndim}")
    if arr.ndim > MAX_NDIM:
        raise ValueError(f"image data must have ndim <= {MAX_NDIM}, got ndim={arr.ndim}")
    if arr.size == 0:
        raise ValueError(f"image data must not be empty, got shape {arr.shape}")
    kind = arr.dtype.kind
    if kind == "b":
        arr = arr.astype(np.uint8)
    elif arr.dtype == np.float16:
        arr = arr.astype(np.float32)
    elif kind in "iu" and arr.dtype.itemsize == 8:
        target = np.dtype(np.int32 if kind == "i" else np.uint32)
        info = np.iinfo(target)
        fits = int(arr.min()) >= info.min and int(arr.max()) <= info.max
        arr = arr.astype(target if fits else np.float64)
    elif arr.dtype.name not in DTYPES or kind not in "iuf":
        raise ValueError(
            f"image data has dtype {arr.dtype} (not supported); use one of: {', '.join(DTYPES)} "
            "(or bool, float16, int64, uint64, which are converted)"
        )
    # The daemon reads little-endian typed arrays laid out in C order.
    little = np.dtype(arr.dtype).newbyteorder("<")
    if arr.dtype != little:
        arr = arr.astype(little)
    return np.ascontiguousarray(arr)


def default_contrast_limits(arr: np.ndarray) -> list[float]:
    """(min, max) of the finite values; constant image: (v, v + 1); no finite value: (0, 1)."""
    if arr.dtype.kind == "f":
        finite = arr[np.isfinite(arr)]
        if finite.size == 0:
            return [0.0, 1.0]
        lo, hi = float(finite.min()), float(finite.max())
    else:
        lo, hi = float(arr.min()), float(arr.max())
    if not lo < hi:
        # v + 1 == v for |v| >= 2**53: widen relative to v instead.
        hi = lo + 1.0 if lo + 1.0 > lo else lo + abs(lo) * 1e-9
    return [lo, hi]
