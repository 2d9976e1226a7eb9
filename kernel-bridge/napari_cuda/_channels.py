"""channel_axis: napari's per-channel defaults (colormaps, names, blending) and per-channel kwargs."""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Sequence
from typing import Any

# napari's defaults (napari/layers/utils/stack_utils.py): 1 channel gray, 2 magenta/green, else CYMRGB.
MAGENTA_GREEN = ("magenta", "green")
CYMRGB = ("cyan", "yellow", "magenta", "red", "green", "blue")

# omero channel colours that are exactly one of our colormaps.
_OMERO_COLORS = {
    "FFFFFF": "gray",
    "FF0000": "red",
    "00FF00": "green",
    "0000FF": "blue",
    "FF00FF": "magenta",
    "00FFFF": "cyan",
    "FFFF00": "yellow",
}

# kwargs whose single value is itself a sequence (a list of them means one per channel).
_SEQUENCE_VALUED = frozenset({"contrast_limits", "scale", "translate", "units"})


def default_colormaps(n: int) -> list[str]:
    """napari's channel colormaps for `n` channels."""
    if n == 1:
        return ["gray"]
    if n == 2:
        return list(MAGENTA_GREEN)
    return list(itertools.islice(itertools.cycle(CYMRGB), n))


def omero_colormap(channel: Any) -> str | None:
    """The colormap an omero channel colour names exactly (e.g. "FF0000" -> red), else None."""
    if not isinstance(channel, dict) or not isinstance(channel.get("color"), str):
        return None
    return _OMERO_COLORS.get(channel["color"].strip().lstrip("#").upper())


def _is_seq(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def per_channel(key: str, value: Any, n: int) -> list[Any]:
    """One value per channel: a list/tuple of `n` values is split (for contrast_limits, scale and
    translate: a list of `n` sequences), anything else is repeated. ValueError on a wrong count."""
    if _is_seq(value):
        nested = key in _SEQUENCE_VALUED
        if not nested or (len(value) > 0 and all(_is_seq(x) for x in value)):
            if len(value) != n:
                raise ValueError(f"{key} has {len(value)} values but channel_axis splits the data into {n} channels")
            return list(value)
    return [value] * n


def normalise_axis(axis: Any, ndim: int) -> int:
    """channel_axis as a non-negative axis index (negative counts from the end)."""
    if isinstance(axis, bool) or not isinstance(axis, numbers.Integral):
        raise TypeError(f"channel_axis must be an integer, got {axis!r}")
    if not -ndim <= int(axis) < ndim:
        raise ValueError(f"channel_axis must be in [{-ndim}, {ndim - 1}] for {ndim}-D data, got {axis}")
    if ndim < 3:
        raise ValueError(f"channel_axis needs data with ndim >= 3 (each channel stays >= 2-D), got ndim={ndim}")
    return int(axis) % ndim
