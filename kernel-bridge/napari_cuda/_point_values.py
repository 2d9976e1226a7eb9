"""Points layer values (napari's names and rules): coordinates, sizes, colours, symbols, validated.

Each function takes what a user may pass (one value for every point, or one per point) and returns
a numpy column of `n` rows, or raises ValueError naming the property and what was wrong.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from ._protocol import MAX_NDIM, POINT_SYMBOLS

# napari's Symbol names (layers/points/_points_constants.py) in its order (the protocol's list), and its aliases.
SYMBOLS = POINT_SYMBOLS
SYMBOL_ALIAS = {
    ">": "arrow",
    "+": "cross",
    "o": "disc",
    "-": "hbar",
    "s": "square",
    "*": "star",
    "->": "tailed_arrow",
    "v": "triangle_down",
    "^": "triangle_up",
    "|": "vbar",
}
MAX_POINTS = 10_000_000


def coords(value: Any, ndim: int | None) -> np.ndarray:
    """(N, D) float64 coordinates; `ndim` (the layer's, or None for a new layer) must match."""
    if value is None:
        return np.zeros((0, ndim or 2), np.float64)
    try:
        arr = np.array(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"points data must be an (N, D) array of numbers: {exc}") from None
    if arr.ndim == 1 and arr.size > 0:
        arr = arr[None, :]  # one point
    if arr.size == 0:
        arr = arr.reshape(0, ndim or (arr.shape[-1] if arr.ndim == 2 and arr.shape[-1] else 2))
    if arr.ndim != 2:
        raise ValueError(f"points data must be an (N, D) array, got shape {arr.shape}")
    n, d = arr.shape
    if not 2 <= d <= MAX_NDIM:
        raise ValueError(f"points must have 2..{MAX_NDIM} coordinates each, got {d}")
    if ndim is not None and d != ndim:
        raise ValueError(f"points have {ndim} coordinates (the layer's ndim), got {d}")
    if n > MAX_POINTS:
        raise ValueError(f"a points layer holds at most {MAX_POINTS} points, got {n}")
    if not np.isfinite(arr).all():
        raise ValueError("points data must be finite (no NaN or infinity)")
    return arr


def _per_point(name: str, value: Any, n: int) -> np.ndarray:
    arr = np.asarray(value)
    if arr.ndim == 0:
        return np.full(n, arr.item())
    if arr.ndim == 1 and arr.shape[0] == n:
        return arr
    raise ValueError(f"{name} must be one value or one per point ({n}), got shape {arr.shape}")


def sizes(value: Any, n: int) -> np.ndarray:
    """Diameters in data units, > 0 (napari's `size`)."""
    try:
        arr = _per_point("size", np.asarray(value, dtype=np.float64), n)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"size must be a positive number or one per point: {exc}") from None
    if not (np.isfinite(arr).all() and (arr > 0).all()):
        raise ValueError("size must be finite and > 0")
    return arr.astype(np.float64)


def _one_color(name: str, value: Any) -> np.ndarray:
    if isinstance(value, str):
        import cmap

        try:
            return np.array(cmap.Color(value).rgba, np.float64)
        except ValueError:
            raise ValueError(
                f"{name}: unknown colour {value!r} (a CSS/napari name, '#rrggbb[aa]' or RGB(A) in [0, 1])"
            ) from None
    arr = np.asarray(value, dtype=np.float64)
    if arr.shape not in ((3,), (4,)):
        raise ValueError(f"{name}: a colour is a name or 3/4 numbers in [0, 1], got {value!r}")
    return np.append(arr, 1.0) if arr.shape == (3,) else arr


def colors(name: str, value: Any, n: int) -> np.ndarray:
    """(n, 4) RGBA bytes: one colour for all, or one per point (names or RGB(A) rows in [0, 1])."""
    if isinstance(value, str):
        rows = np.tile(_one_color(name, value), (n, 1))
    elif isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        if len(value) != n:
            raise ValueError(f"{name} must be one colour or one per point ({n}), got {len(value)}")
        rows = np.array([_one_color(name, v) for v in value]).reshape(n, 4)
    else:
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{name}: not a colour or list of colours: {value!r}") from None
        if arr.ndim == 1:
            rows = np.tile(_one_color(name, arr), (n, 1))
        elif arr.ndim == 2 and arr.shape[0] == n and arr.shape[1] in (3, 4):
            rows = arr if arr.shape[1] == 4 else np.hstack([arr, np.ones((n, 1))])
        else:
            raise ValueError(f"{name} must be one colour or an (N, 3|4) array with N = {n}, got shape {arr.shape}")
    if not (np.isfinite(rows).all() and (rows >= 0).all() and (rows <= 1).all()):
        raise ValueError(f"{name}: colour values must be in [0, 1]")
    return np.round(rows * 255).astype(np.uint8)


def symbol_name(value: Any) -> str:
    """napari's canonical symbol name of a name or alias."""
    key = str(value.value if hasattr(value, "value") else value)
    key = SYMBOL_ALIAS.get(key, key)
    if key not in SYMBOLS:
        raise ValueError(
            f"unknown symbol {value!r}; napari's symbols: {', '.join(SYMBOLS)} (aliases o s + - | * ^ v > ->)"
        )
    return key


def symbols(value: Any, n: int) -> np.ndarray:
    """Symbol indices (into SYMBOLS), one for all or one per point."""
    if isinstance(value, str) or hasattr(value, "value"):
        return np.full(n, SYMBOLS.index(symbol_name(value)), np.float64)
    items = list(value)
    if len(items) != n:
        raise ValueError(f"symbol must be one name or one per point ({n}), got {len(items)}")
    return np.array([SYMBOLS.index(symbol_name(v)) for v in items], np.float64)


def border_width(value: Any, relative: bool) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value) or value < 0:
        raise ValueError(f"border_width must be a number >= 0, got {value!r}")
    if relative and value > 1:
        raise ValueError(f"a relative border_width is a fraction of the size, in [0, 1]; got {value}")
    return float(value)


def packed(rgba: np.ndarray) -> np.ndarray:
    """RGBA byte rows packed as the wire table holds them (r + 256 g + 65536 b + 16777216 a)."""
    c = rgba.astype(np.float64)
    return c[:, 0] + 256 * c[:, 1] + 65536 * c[:, 2] + 16777216 * c[:, 3]
