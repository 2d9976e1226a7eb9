"""numpy reference of the renderers' colour tables (src/protocol/colormaps.ts documents the rule).

Entry i of a table is round(255 * C(i / 255)) (half to even) with C the colormap on [0, 1]. This
module computes C from the reference sources, independently of napari_cuda: matplotlib for the
matplotlib names, napari's literal colours (napari/utils/colormaps/colormap_utils.py,
inverse_colormaps.py) and its bop tables (scripts/napari_bop_colors.py) for napari's own, the cmap
package for any other name, np.interp for colour arrays. Shared by the Python screenshot tests and
the TypeScript renderer's reference (tests/unit/render/reference.py).
"""

from __future__ import annotations

import importlib.util
import pathlib
from typing import Any

import numpy as np

X = np.arange(256) / 255.0

RAMPS = {
    "gray": (1, 1, 1),
    "red": (1, 0, 0),
    "green": (0, 1, 0),
    "blue": (0, 0, 1),
    "magenta": (1, 0, 1),
    "cyan": (0, 1, 1),
    "yellow": (1, 1, 0),
}
# napari's other colour-list colormaps: colours, then entry 0 / 255 overrides (HiLo's low/high colours).
NAPARI = {
    "gray_r": ([[1, 1, 1], [0, 0, 0]], None, None),
    "fire": ([[1, 1, 1], [1, 1, 0], [1, 0, 0]], None, None),
    "ice": ([[0, 0, 1], [1, 1, 1]], None, None),
    "I Bordeaux": ([[1, 1, 1], [204 / 255, 0, 51 / 255]], None, None),
    "I Blue": ([[1, 1, 1], [0, 51 / 255, 204 / 255]], None, None),
    "I Forest": ([[1, 1, 1], [0, 153 / 255, 0]], None, None),
    "I Orange": ([[1, 1, 1], [1, 117 / 255, 0]], None, None),
    "I Purple": ([[1, 1, 1], [117 / 255, 0, 1]], None, None),
    "HiLo": ([[0, 0, 0], [1, 1, 1]], [0, 0, 1], [1, 0, 0]),
    "nan": ([[0, 0, 0], [1, 1, 1]], None, None),
}
MATPLOTLIB = ("viridis", "magma", "inferno", "plasma", "hsv", "turbo", "twilight", "twilight_shifted")
MATPLOTLIB += ("gist_earth", "PiYG")


def _bop() -> dict[str, str]:
    path = pathlib.Path(__file__).resolve().parents[2] / "scripts" / "napari_bop_colors.py"
    spec = importlib.util.spec_from_file_location("napari_bop_colors", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.BOP


BOP = _bop()


def quantize(rgb: Any) -> np.ndarray:
    """round(255 * c), half to even, as uint8."""
    return np.rint(np.clip(np.asarray(rgb, np.float64)[:, :3], 0, 1) * 255).astype(np.uint8)


def interp_lut(colors: Any) -> np.ndarray:
    """(256, 3) table of colours interpolated linearly at evenly spaced control points (napari's rule)."""
    c = np.asarray(colors, np.float64)[:, :3]
    ctrl = np.linspace(0, 1, len(c))
    return quantize(np.stack([np.interp(X, ctrl, c[:, k]) for k in range(3)], axis=-1))


def lut(name: str) -> np.ndarray:
    """(256, 3) uint8 colour table of a built-in napari colormap name."""
    i = np.arange(256)
    if name in RAMPS:
        return (np.outer(i, RAMPS[name])).astype(np.uint8)
    if name in NAPARI:
        colors, low, high = NAPARI[name]
        out = interp_lut(colors)
        if low is not None:
            out[0] = quantize([low])[0]
        if high is not None:
            out[-1] = quantize([high])[0]
        return out
    if name in BOP:
        return np.frombuffer(bytes.fromhex(BOP[name]), np.uint8).reshape(256, 3).copy()
    import matplotlib

    assert name in MATPLOTLIB, f"{name!r} is not a built-in colormap"
    return quantize(matplotlib.colormaps[name](X))


def cmap_lut(name: str) -> np.ndarray:
    """(256, 3) table of a name of the cmap package: its own evaluation at i / 255."""
    import cmap

    return quantize(cmap.Colormap(name)(X))


def matplotlib_lut(name: str) -> np.ndarray:
    """(256, 3) table of a matplotlib name: matplotlib's evaluation at i / 255."""
    import matplotlib

    return quantize(matplotlib.colormaps[name](X))
