"""Colormap tables: the sampling rule (256 RGB entries), napari's and vispy's colour definitions.

Entry i (0..255) of a table is round(255 * C(i / 255)) per RGB channel, rounding half to even, where C
is the colormap on [0, 1] (src/protocol/colormaps.ts documents the rule; scripts/gen-colormaps.py
generates the built-in tables with these functions).
"""

from __future__ import annotations

import colorsys
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ._protocol import COLORMAP_LUT_HEX_CHARS

ENTRIES = 256
_X = np.arange(ENTRIES, dtype=np.float64) / (ENTRIES - 1)

# napari's own colormaps given by a few colours (napari/utils/colormaps/colormap_utils.py,
# inverse_colormaps.py): name -> (colours, low_color, high_color). The bop maps are 256-colour
# tables (scripts/napari_bop_colors.py); the matplotlib ones come from matplotlib.
NAPARI_COLORS: dict[str, tuple[list[list[float]], list[float] | None, list[float] | None]] = {
    "red": ([[0, 0, 0], [1, 0, 0]], None, None),
    "green": ([[0, 0, 0], [0, 1, 0]], None, None),
    "blue": ([[0, 0, 0], [0, 0, 1]], None, None),
    "cyan": ([[0, 0, 0], [0, 1, 1]], None, None),
    "magenta": ([[0, 0, 0], [1, 0, 1]], None, None),
    "yellow": ([[0, 0, 0], [1, 1, 0]], None, None),
    "gray": ([[0, 0, 0], [1, 1, 1]], None, None),
    "gray_r": ([[1, 1, 1], [0, 0, 0]], None, None),
    "fire": ([[1, 1, 1], [1, 1, 0], [1, 0, 0]], None, None),
    "ice": ([[0, 0, 1], [1, 1, 1]], None, None),
    "I Bordeaux": ([[1, 1, 1], [204 / 255, 0, 51 / 255]], None, None),
    "I Blue": ([[1, 1, 1], [0, 51 / 255, 204 / 255]], None, None),
    "I Forest": ([[1, 1, 1], [0, 153 / 255, 0]], None, None),
    "I Orange": ([[1, 1, 1], [1, 117 / 255, 0]], None, None),
    "I Purple": ([[1, 1, 1], [117 / 255, 0, 1]], None, None),
    "HiLo": ([[0, 0, 0], [1, 1, 1]], [0, 0, 1], [1, 0, 0]),
    "nan": ([[0, 0, 0], [1, 1, 1]], None, None),  # napari's NaN colour (red) is not drawn
}

# vispy's colormaps napari looks up (case-sensitive) before matplotlib's: the cmap package's
# "vispy:" entries, else vispy's definitions (vispy/color/colormap.py) for those it lacks.
VISPY_CMAP = {
    "PuGr": "vispy:PuGr",
    "GrBu": "vispy:GrBu",
    "GrBu_d": "vispy:GrBu_d",
    "RdBu": "vispy:RdBu",
    "RdYeBuCy": "vispy:RdYeBuCy",
    "diverging": "vispy:diverging",
    "hsl": "vispy:hsl",
    "husl": "vispy:husl",
    "light_blues": "vispy:light_blues",
    "single_hue": "vispy:light_blues",
}
VISPY_COLORS: dict[str, list[list[float]]] = {
    "autumn": [[1, 0, 0], [1, 1, 0]],
    "blues": [[1, 1, 1], [0, 0, 1]],
    "cool": [[0, 1, 1], [1, 0, 1]],
    "greens": [[1, 1, 1], [0, 1, 0]],
    "reds": [[1, 1, 1], [1, 0, 0]],
    "spring": [[1, 0, 1], [1, 1, 0]],
    "summer": [[0, 0.5, 0.4], [1, 1, 0.4]],
    # vispy's coolwarm: seven HSV colours (hue in degrees)
    "coolwarm": [
        list(colorsys.hsv_to_rgb(h / 360, s, v))
        for h, s, v in ((226, 0.59, 0.92), (222, 0.44, 0.99), (218, 0.26, 0.97), (30, 0.01, 0.87), (20, 0.3, 0.96))
        + ((15, 0.5, 0.95), (8, 0.66, 0.86))
    ],
}
VISPY_NAMES = tuple(sorted({*VISPY_CMAP, *VISPY_COLORS, "cubehelix", "viridis"}))


def sample(
    colors: Any,
    controls: Any = None,
    interpolation: str = "linear",
    low_color: Any = None,
    high_color: Any = None,
) -> np.ndarray:
    """(256, 3) uint8 table of a colormap given by colours (N, 3|4) and control points (napari's rule).

    `controls`: N increasing points from 0 to 1 (N + 1 for "zero"); None = evenly spaced.
    """
    return quantize(curve(colors, controls, interpolation, low_color, high_color))


def curve(
    colors: Any,
    controls: Any = None,
    interpolation: str = "linear",
    low_color: Any = None,
    high_color: Any = None,
) -> np.ndarray:
    """(256, 3) float64 colours C(i / 255) in [0, 1] that `sample` rounds (see `sample`)."""
    rgb = color_array(colors, "colors")[:, :3]
    n = len(rgb)
    if interpolation not in ("linear", "zero"):
        raise ValueError(f"colormap interpolation must be 'linear' or 'zero', got {interpolation!r}")
    want = n + (interpolation == "zero")
    if controls is None or len(controls) == 0:
        ctrl = np.linspace(0.0, 1.0, want)
    else:
        ctrl = np.asarray(controls, dtype=np.float64).ravel()
        if len(ctrl) != want or ctrl[0] != 0 or ctrl[-1] != 1 or np.any(np.diff(ctrl) < 0):
            raise ValueError(
                f"colormap controls must be {want} increasing values from 0 to 1 ({n} colours, "
                f"interpolation {interpolation!r}), got {ctrl.tolist()}"
            )
    if n == 1 and interpolation == "linear":
        out = np.repeat(rgb, ENTRIES, axis=0)
    elif interpolation == "linear":
        out = np.stack([np.interp(_X, ctrl, rgb[:, c]) for c in range(3)], axis=-1)
    else:
        out = rgb[np.clip(np.searchsorted(ctrl, _X, side="right") - 1, 0, n - 1)]
    if low_color is not None:
        out[0] = color_array(low_color, "low_color")[0, :3]
    if high_color is not None:
        out[-1] = color_array(high_color, "high_color")[0, :3]
    return out


def sample_function(fn: Callable[[np.ndarray], Any]) -> np.ndarray:
    """(256, 3) uint8 table of a colormap callable on floats in [0, 1] (matplotlib's, cmap's)."""
    return quantize(curve_of_function(fn))


def curve_of_function(fn: Callable[[np.ndarray], Any]) -> np.ndarray:
    """(256, 3) float64 colours fn(i / 255)[:3] that `sample_function` rounds."""
    return np.asarray(fn(_X.copy()), dtype=np.float64)[:, :3]


def quantize(rgb: np.ndarray) -> np.ndarray:
    """round(255 * c), half to even, of colours in [0, 1] -> uint8."""
    return np.rint(np.clip(rgb, 0.0, 1.0) * 255.0).astype(np.uint8)


def to_hex(lut: np.ndarray) -> str:
    """The wire form of a (256, 3) uint8 table: 1536 lowercase hex characters."""
    out = np.ascontiguousarray(lut, dtype=np.uint8).tobytes().hex()
    assert len(out) == COLORMAP_LUT_HEX_CHARS
    return out


def from_hex(text: str) -> np.ndarray:
    """(256, 3) uint8 table from its wire form."""
    return np.frombuffer(bytes.fromhex(text), dtype=np.uint8).reshape(ENTRIES, 3).copy()


def parse_color(value: str) -> np.ndarray | None:
    """RGBA of a colour name or hex string (cmap.Color), else None."""
    import cmap

    if not value.strip() or value.strip().lower() in ("none", "transparent"):
        return None
    try:
        return np.asarray(cmap.Color(value).rgba, dtype=np.float64)
    except (ValueError, TypeError):
        return None


def vispy_cubehelix() -> np.ndarray:
    """vispy's cubehelix colours."""
    # vispy's CubeHelixColormap() (vispy/ext/cubehelix.py with vispy's defaults: 32 levels, reversed).
    nlev, start, rot, sat = 32, 0.5, 1.0, 1.2
    fract = np.linspace(0.0, 1.0, nlev)
    angle = 2.0 * math.pi * (start / 3.0 + rot * fract + 1.0)
    amp = sat * fract * (1.0 - fract) / 2.0
    red = fract + amp * (-0.14861 * np.cos(angle) + 1.78277 * np.sin(angle))
    grn = fract + amp * (-0.29227 * np.cos(angle) - 0.90649 * np.sin(angle))
    blu = fract + amp * (1.97294 * np.cos(angle))
    return np.clip(np.stack([red, grn, blu], axis=-1), 0.0, 1.0)[::-1]


def color_array(value: Any, what: str) -> np.ndarray:
    """(N, 4) float64 RGBA of a colour string or an (N, 3|4) array in [0, 1]; ValueError naming `what`."""
    if isinstance(value, str):
        color = parse_color(value)
        if color is None:
            raise ValueError(f"{what}: unknown colour {value!r}")
        return color[None, :]
    try:
        arr = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be an (N, 3) or (N, 4) array of colours, got {value!r}") from None
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or arr.shape[1] not in (3, 4) or arr.shape[0] == 0:
        raise ValueError(f"{what} must be an (N, 3) or (N, 4) array of colours, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)) or arr.min() < 0 or arr.max() > 1:
        raise ValueError(f"{what} colours must be finite numbers in [0, 1] (8-bit colours: divide by 255)")
    return with_alpha(arr)


def with_alpha(arr: np.ndarray) -> np.ndarray:
    """(N, 4): an alpha column of 1 added to (N, 3) colours."""
    return arr if arr.shape[1] == 4 else np.concatenate([arr, np.ones((len(arr), 1))], axis=1)
