"""numpy reference of the renderers' colour tables (src/daemon/render/colormaps.ts, scripts/gen-colormaps.py).

Entry i of a matplotlib map is round(255 * cmap(i)[:3]); the ramps go linearly from black. Shared by
the Python screenshot tests and the TypeScript renderer's reference (tests/unit/render/reference.py).
"""

from __future__ import annotations

import matplotlib
import numpy as np

RAMPS = {
    "gray": (1, 1, 1),
    "red": (1, 0, 0),
    "green": (0, 1, 0),
    "blue": (0, 0, 1),
    "magenta": (1, 0, 1),
    "cyan": (0, 1, 1),
    "yellow": (1, 1, 0),
}


def lut(name: str) -> np.ndarray:
    """(256, 3) uint8 colour table of a napari colormap name."""
    i = np.arange(256)
    if name in RAMPS:
        return (np.outer(i, RAMPS[name])).astype(np.uint8)
    if name == "gray_r":
        return np.repeat((255 - i)[:, None], 3, axis=1).astype(np.uint8)
    return np.round(matplotlib.colormaps[name](i)[:, :3] * 255.0).astype(np.uint8)
