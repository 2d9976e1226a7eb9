"""Writing painted labels back to the Zarr store they were read from (`Labels.save()`, write-through).

Only the boxes that edits changed are written: level 0 gets the painted values; each coarser level
of an OME-Zarr pyramid gets, in the part those boxes cover, nearest samples taken level by level as
pyramids are built: each pixel takes the pixel of the level above at its centre (from the datasets'
scale and translation; a centre on a pixel edge takes the later pixel). That reproduces both
napari-cuda's pyramids (every other pixel from 0) and ome-zarr-py's (the last pixel of each 2x2,
translation 0.5), so every level shows the edit and holds only labels that exist. A plain Zarr
array (no multiscales metadata) is one level.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ._lazy_ome import _transform

Box = tuple[Any, ...]  # ints (a plane) and slices (a range), level-0 indices, as Edit.box


class SaveError(ValueError):
    """The store cannot take the edits (read-only, gone, changed shape); they stay in memory."""


@dataclass
class _Level:
    array: Any  # a zarr.Array opened for writing
    step: np.ndarray  # pixels of the level above per pixel of this one, per axis
    offset: np.ndarray  # index in the level above of this level's pixel 0 centre, per axis


class LabelStore:
    """The store of one file-backed labels layer (`uri`: an OME-Zarr image group or a Zarr array)."""

    def __init__(self, uri: str) -> None:
        self.uri = uri

    def _levels(self, shape: tuple[int, ...]) -> list[_Level]:
        import zarr

        try:
            node = zarr.open(self.uri, mode="r+")
        except Exception as exc:
            raise SaveError(f"cannot open {self.uri} for writing: {exc}") from exc
        if isinstance(node, zarr.Array):
            found = [_Level(node, np.ones(len(shape)), np.zeros(len(shape)))]
        else:
            try:
                attrs = dict(node.attrs)
                datasets = attrs.get("ome", attrs)["multiscales"][0]["datasets"]
                transforms = [
                    np.asarray(_transform(d.get("coordinateTransformations"), len(shape), f"datasets[{i}]"))
                    for i, d in enumerate(datasets)
                ]  # (scale, translation) rows per level, validated as the kernel's OME reader does
                arrays = [node[d["path"]] for d in datasets]
            except Exception as exc:
                raise SaveError(f"{self.uri}: unreadable multiscales metadata: {exc}") from exc
            found = [
                _Level(arr, t[0] / above[0], (t[1] - above[1]) / above[0])
                for arr, t, above in zip(arrays, transforms, [transforms[0], *transforms[:-1]], strict=True)
            ]
        if tuple(found[0].array.shape) != tuple(shape):
            raise SaveError(f"{self.uri}: level 0 is now {found[0].array.shape}, the layer's is {shape}")
        if getattr(found[0].array, "read_only", False):
            raise SaveError(f"{self.uri} is read-only")
        return found

    def write(self, data: np.ndarray, boxes: list[Box]) -> None:
        """Write the parts of `data` (the painted level 0) inside `boxes` to every level."""
        if not boxes:
            return
        levels = self._levels(data.shape)
        sources = _sources(levels, data.shape)
        try:
            for box in boxes:
                ranges = [(b, b + 1) if isinstance(b, int | np.integer) else (b.start, b.stop) for b in box]
                region = tuple(slice(int(lo), int(hi)) for lo, hi in ranges)
                levels[0].array[region] = data[region].astype(levels[0].array.dtype)
                for level, source in zip(levels[1:], sources[1:], strict=True):
                    _write_coarse(data, level, source, ranges)
        except Exception as exc:
            raise SaveError(f"writing to {self.uri} failed: {exc}") from exc


def _sources(levels: list[_Level], shape: tuple[int, ...]) -> list[list[np.ndarray]]:
    """Per level and axis: the level-0 index each pixel samples (nearest, level by level)."""
    out = [[np.arange(n) for n in shape]]
    for level in levels[1:]:
        above = out[-1]
        axes = []
        for axis, n in enumerate(level.array.shape):
            centre = np.arange(n) * level.step[axis] + level.offset[axis]
            pick = np.clip(np.floor(centre + 0.5).astype(np.int64), 0, len(above[axis]) - 1)
            axes.append(above[axis][pick])
        out.append(axes)
    return out


def _write_coarse(data: np.ndarray, level: _Level, source: list[np.ndarray], ranges: list[tuple[int, int]]) -> None:
    """The level's pixels whose level-0 sample lies in `ranges`, set to that sample."""
    picks: list[np.ndarray] = []
    spans: list[slice] = []
    for axis, (lo, hi) in enumerate(ranges):
        first, last = np.searchsorted(source[axis], lo, "left"), np.searchsorted(source[axis], hi, "left")
        if first >= last:
            return  # the edit falls between this level's samples
        spans.append(slice(int(first), int(last)))
        picks.append(source[axis][first:last])
    level.array[tuple(spans)] = data[np.ix_(*picks)].astype(level.array.dtype)
