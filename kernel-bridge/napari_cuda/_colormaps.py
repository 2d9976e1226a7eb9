"""Colormaps: every name napari accepts and custom ones, as the 256-entry tables the daemon draws with.

A layer's colormap travels as a name plus, unless the name is one of the built-in names
(``napari_cuda.COLORMAPS``: napari's own colormaps, whose tables are compiled into the daemon and
the widget), a lookup table: 256 RGB entries as 1536 lowercase hex characters (``colormap_lut``).
:func:`resolve` turns anything napari accepts into that pair:

- a built-in name (``"viridis"``, ``"bop blue"``, ``"I Forest"``, ...);
- any other matplotlib or vispy name napari knows (``"PiYG_r"``, ``"jet"``, ``"RdBu"``, ...) and
  any name of the ``cmap`` package (``cmap.Catalog()``: ``"cividis"``, ``"cmocean:thermal"``, ...);
- a colour (``"orange"``, ``"#ff8800"``, ``(1, 0.5, 0)``): a ramp from black to it, as napari;
- an (N, 3|4) array or list of colours (napari interpolates linearly between evenly spaced colours);
- a napari ``Colormap`` (or anything with ``colors`` and ``controls``), a dict of its fields
  (``{"colors": ..., "name": ...}``), a ``(name, colormap)`` tuple, or a ``cmap.Colormap``.

Each table follows one sampling rule (napari_cuda._colormap_tables; documented in
src/protocol/colormaps.ts). napari's own names win over look-alikes (``"i blue"`` is napari's
"I Blue"), then colours, then vispy's names, then matplotlib's and cmap's, as in napari.
"""

from __future__ import annotations

import difflib
import functools
import logging
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import numpy as np

from ._colormap_tables import (
    NAPARI_COLORS,
    VISPY_CMAP,
    VISPY_COLORS,
    VISPY_NAMES,
    color_array,
    from_hex,
    parse_color,
    sample,
    sample_function,
    to_hex,
    vispy_cubehelix,
    with_alpha,
)
from ._protocol import COLORMAPS, MAX_COLORMAP_NAME_CHARS

__all__ = ["VISPY_NAMES", "available_colormaps", "from_hex", "resolve", "to_hex"]

_UNNAMED = "custom"


def resolve(value: Any, current: tuple[str, str | None] | None = None) -> tuple[str, str | None]:
    """(name, colormap_lut) of a colormap napari accepts; colormap_lut is None for built-in names.

    `current`: the layer's present (name, colormap_lut); a string equal to its name keeps it (a view
    writing back an unchanged custom colormap). ValueError (naming the colormap, with close names
    when it is an unknown name) or TypeError for anything else.
    """
    if isinstance(value, str):
        if current is not None and value == current[0]:
            return current
        return _resolve_name(value)
    if _is_cmap_colormap(value):
        return _custom(_name_of(getattr(value, "name", None)), sample_function(value))
    if isinstance(value, Mapping):
        return _resolve_mapping(value)
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[0], str) and _is_object(value[1]):
        return _custom(_name_of(value[0]), _object_lut(value[1]))
    if _is_object(value):
        return _custom(_name_of(getattr(value, "name", None)), _object_lut(value))
    if isinstance(value, np.ndarray | list | tuple):
        return _from_colors(value)
    raise TypeError(
        f"colormap must be a name, a colour, an (N, 3|4) array of colours, a napari Colormap, a dict "
        f"or a cmap.Colormap, got {type(value).__name__}"
    )


def available_colormaps() -> list[str]:
    """Every colormap name `resolve` knows: built-in, vispy's, and the cmap package's catalog (which
    includes matplotlib's); "_r" after a cmap name reverses it. Colours and arrays come on top."""
    return sorted({*COLORMAPS, *VISPY_NAMES, *_catalog_names()}, key=str.lower)


# -- names ---------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=256)
def _resolve_name(value: str) -> tuple[str, str | None]:
    if value in COLORMAPS:
        return value, None
    builtin = _BUILTIN_BY_KEY.get(_key(value))
    if builtin is not None:
        return builtin, None  # "i blue", "bop_blue": napari's own, not cmap's look-alikes
    if value.startswith("#000000") or value.lower() == "black":
        return "gray_r", None  # napari: a colour ramp ending in black is gray_r
    if len(value) > MAX_COLORMAP_NAME_CHARS:
        raise ValueError(f"colormap name must have at most {MAX_COLORMAP_NAME_CHARS} characters, got {len(value)}")
    color = parse_color(value)
    if color is not None:
        name = value.lower() if value.startswith("#") else value
        return _ramp(name, color)
    if value in VISPY_COLORS:
        return value, to_hex(sample(VISPY_COLORS[value]))
    if value == "cubehelix":
        return value, to_hex(sample(vispy_cubehelix()))
    cm = _cmap_lookup(VISPY_CMAP.get(value, value))
    if cm is None:
        raise ValueError(_unknown_message(value))
    return value, to_hex(sample_function(cm))


def _key(name: str) -> str:
    return re.sub(r"[\s_-]+", "_", name.strip().lower())


_BUILTIN_BY_KEY = {_key(n): n for n in COLORMAPS}


def _unknown_message(value: str) -> str:
    close = [repr(n) for n in _close_names(value)]
    hint = ""
    if close:
        hint = (
            f"; did you mean {', '.join(close[:-1])} or {close[-1]}?"
            if len(close) > 1
            else f"; did you mean {close[0]}?"
        )
    return (
        f"unknown colormap {value!r}; valid names: {', '.join(COLORMAPS)}, or any colormap name of "
        "matplotlib, vispy or the cmap package (cmap.Catalog), a colour, or an (N, 3|4) array of "
        f"colours{hint}"
    )


def _close_names(value: str) -> list[str]:
    """Up to 3 names like `value` (case-insensitive), napari's own first."""
    out: list[str] = []
    for names in (COLORMAPS + VISPY_NAMES, available_colormaps()):
        by_lower = {n.lower(): n for n in reversed(names)}
        for hit in difflib.get_close_matches(value.lower(), list(by_lower), n=3, cutoff=0.6):
            if by_lower[hit] not in out and hit not in {o.lower() for o in out}:
                out.append(by_lower[hit])
    return out[:3]


@functools.lru_cache(maxsize=1)
def _catalog_names() -> frozenset[str]:
    import cmap

    return frozenset(cmap.Catalog().unique_keys())


@contextmanager
def _quiet_cmap() -> Iterator[None]:
    # cmap logs a warning when a short name is an alias with several namespaces (e.g. "rdbu").
    log = logging.getLogger("cmap")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


def _cmap_lookup(name: str) -> Any:
    import cmap

    with _quiet_cmap():
        try:
            return cmap.Colormap(name)
        except (ValueError, KeyError, TypeError):
            return None


def _ramp(name: str, color: np.ndarray) -> tuple[str, str | None]:
    colors = [[0.0, 0.0, 0.0], list(color[:3])]
    builtin = _builtin_of(colors)
    return (builtin, None) if builtin else (name, to_hex(sample(colors)))


def _builtin_of(colors: Any) -> str | None:
    """The napari colormap with exactly these colours (napari reuses it), if any."""
    rgb = np.asarray(colors, dtype=np.float64)[:, :3]
    for name, (cols, low, high) in NAPARI_COLORS.items():
        if low is None and high is None and name != "nan" and np.array_equal(np.asarray(cols, np.float64), rgb):
            return name
    return None


# -- objects -------------------------------------------------------------------------------------
def _is_cmap_colormap(value: Any) -> bool:
    return type(value).__module__.startswith("cmap") and type(value).__name__ == "Colormap"


def _is_object(value: Any) -> bool:
    """napari's Colormap, or vispy's (colors with .rgba, _controls): duck-typed, neither is a dependency."""
    return _is_cmap_colormap(value) or (
        not isinstance(value, str | bytes | Mapping | np.ndarray | list | tuple)
        and hasattr(value, "colors")
        and (hasattr(value, "controls") or hasattr(value, "_controls"))
    )


def _object_lut(obj: Any) -> np.ndarray:
    if _is_cmap_colormap(obj):
        return sample_function(obj)
    colors = getattr(obj.colors, "rgba", obj.colors)
    controls = getattr(obj, "controls", None)
    if controls is None:
        controls = getattr(obj, "_controls", None)
    interpolation = getattr(obj, "interpolation", "linear")
    return sample(
        colors,
        controls,
        str(getattr(interpolation, "value", interpolation)),
        _optional_color(getattr(obj, "low_color", None)),
        _optional_color(getattr(obj, "high_color", None)),
    )


def _optional_color(value: Any) -> Any:
    return getattr(value, "rgba", value)


def _resolve_mapping(value: Mapping[Any, Any]) -> tuple[str, str | None]:
    if "colors" in value and not _is_object(value["colors"]):
        known = {"colors", "name", "controls", "interpolation", "low_color", "high_color", "nan_color"}
        extra = sorted(str(k) for k in value if k not in known)
        if extra:
            raise ValueError(f"colormap dict has unknown keys {extra}; known: {sorted(known)}")
        lut = sample(
            value["colors"],
            value.get("controls"),
            str(value.get("interpolation", "linear")),
            value.get("low_color"),
            value.get("high_color"),
        )
        return _custom(_name_of(value.get("name")), lut)
    if not value:
        raise ValueError("colormap dict is empty")
    name, obj = next(iter(value.items()))
    if not isinstance(name, str) or not _is_object(obj):
        raise TypeError('a colormap dict is {"colors": ..., "name": ...} or {name: Colormap}')
    return _custom(_name_of(name), _object_lut(obj))


def _from_colors(value: Any) -> tuple[str, str | None]:
    if len(value) > 0 and all(isinstance(c, str) for c in value):
        parsed = [parse_color(c) for c in value]
        bad = [c for c, p in zip(value, parsed, strict=True) if p is None]
        if bad:
            raise ValueError(f"colormap colours must be colour names or hex strings, got {bad[0]!r}")
        colors = np.stack(parsed)  # type: ignore[arg-type]
    else:
        colors = color_array(value, "colormap")
    if len(colors) == 1:
        colors = np.concatenate([[[0.0, 0.0, 0.0, 1.0]], with_alpha(colors)])
    builtin = _builtin_of(colors)
    return (builtin, None) if builtin else (_UNNAMED, to_hex(sample(colors)))


def _name_of(name: Any) -> str:
    return name if isinstance(name, str) and name.strip() else _UNNAMED


def _label(name: Any) -> str:
    """A custom colormap's name: its own (never a built-in's: napari's "name (1)"), else "custom"."""
    if not isinstance(name, str) or not name.strip():
        return _UNNAMED
    return f"{name} (1)" if name in COLORMAPS else name[:MAX_COLORMAP_NAME_CHARS]


def _custom(name: str, lut: np.ndarray) -> tuple[str, str | None]:
    """A named custom colormap; a napari name with exactly napari's colours stays that name (as napari)."""
    if name in NAPARI_COLORS:
        colors, low, high = NAPARI_COLORS[name]
        if np.array_equal(sample(colors, low_color=low, high_color=high), lut):
            return name, None
    return _label(name), to_hex(lut)
