"""OME-Zarr fixtures written at test time by the reference writer (ome-zarr-py), NGFF 0.4 and 0.5."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import zarr
from ome_zarr.format import FormatV04, FormatV05

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # ome_zarr.writer's default Scaler() at import
    from ome_zarr.writer import write_image


def write_ome(
    path: Path,
    data: np.ndarray,
    *,
    version: str = "0.5",
    axes: str = "yx",
    scale_factors: tuple[int, ...] = (2, 4),
    scale: dict[str, float] | None = None,
    **metadata: Any,
) -> Path:
    """Write `data` as an OME-Zarr pyramid (level k downsampled by scale_factors[k-1] on y/x)."""
    fmt = FormatV05() if version == "0.5" else FormatV04()
    group = zarr.open_group(str(path), mode="w", zarr_format=3 if version == "0.5" else 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "Scale value not provided for axes {'c'}"
        write_image(data, group, scale_factors=list(scale_factors), fmt=fmt, axes=axes, scale=scale, **metadata)
    return path


def level(path: Path, k: int) -> np.ndarray:
    """Level k as written (dataset k of the first multiscale)."""
    group = zarr.open_group(str(path), mode="r")
    attrs = dict(group.attrs)
    ome = attrs.get("ome", attrs)
    return np.asarray(group[ome["multiscales"][0]["datasets"][k]["path"]][...])
