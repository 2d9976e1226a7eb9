"""Painting a Labels layer (napari's paint / fill / undo / redo) on its in-memory numpy array.

napari's rules: a brush is a disc of `brush_size` data pixels (radius floor(size / 2) + 0.5, scaled
axes give an ellipse) on the plane of the layer's last two axes at the slice the coordinate names;
a drag paints discs along the stroke, spaced a quarter of the brush (napari's
interpolate_coordinates); fill replaces the 4-connected region of the clicked label on that plane.
One stroke, fill or undo is one edit: one history item, one patch of the changed box to the daemon
(`patch_layer_data`), one `events.data`. Only arrays held in the kernel can be painted: a pyramid,
file or lazy array raises PaintError instead of half-working.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

MAX_HISTORY = 100  # undo items kept per layer
MIN_BRUSH, MAX_BRUSH = 1, 1000


class PaintError(ValueError):
    """A paint, fill or undo that cannot be applied (the message says why); nothing changed."""


@dataclass
class Edit:
    """One history item: the changed box and, inside it, the flat indices with old and new values."""

    box: tuple[slice, ...]
    index: np.ndarray
    old: np.ndarray
    new: np.ndarray


def brush_mask(brush_size: float, scale: tuple[float, float]) -> np.ndarray:
    """napari's brush: the (2r+1)-square boolean disc (an ellipse for unequal scales) centred in it."""
    radius = np.floor(brush_size / 2) + 0.5
    norm = np.abs(np.asarray(scale, dtype=float))
    norm = norm / norm.min()
    half = np.floor(radius / norm).astype(int)
    yy, xx = np.ogrid[-half[0] : half[0] + 1, -half[1] : half[1] + 1]
    return (yy * norm[0]) ** 2 + (xx * norm[1]) ** 2 <= radius**2


def stroke_centres(points: np.ndarray, brush_size: float) -> np.ndarray:
    """Disc centres along a stroke (k, 2): napari's interpolation between successive positions."""
    out = [points[:1]]
    for old, new in zip(points[:-1], points[1:], strict=True):
        steps = round(float(np.max(np.abs(new - old))) / brush_size * 4)
        line = np.linspace(old, new, num=int(steps + 1))
        out.append(line[1:] if len(line) > 1 else line)
    return np.concatenate(out)


def _runs(row: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    edges = np.flatnonzero(np.diff(np.concatenate(([False], row, [False])).astype(np.int8)))
    return edges[0::2], edges[1::2]


def flood(mask: np.ndarray, y: int, x: int) -> np.ndarray:
    """The 4-connected component of `mask` (2D bool) holding (y, x): a scanline fill over runs, so its
    cost grows with the runs of the region, not its area (numpy only; scipy is no dependency)."""
    out = np.zeros_like(mask)
    if not mask[y, x]:
        return out
    runs: dict[int, tuple[np.ndarray, np.ndarray]] = {}
    seen: set[tuple[int, int]] = set()

    def run_of(r: int) -> tuple[np.ndarray, np.ndarray]:
        if r not in runs:
            runs[r] = _runs(mask[r])
        return runs[r]

    starts, _ = run_of(y)
    stack = [(y, int(np.searchsorted(starts, x, side="right")) - 1)]
    while stack:
        r, k = stack.pop()
        if (r, k) in seen:
            continue
        seen.add((r, k))
        s, e = run_of(r)[0][k], run_of(r)[1][k]
        out[r, s:e] = True
        for nr in (r - 1, r + 1):
            if 0 <= nr < mask.shape[0]:
                ns, ne = run_of(nr)
                # Runs of the next row that share a column with [s, e).
                lo = int(np.searchsorted(ne, s, side="right"))
                hi = int(np.searchsorted(ns, e, side="left"))
                stack.extend((nr, j) for j in range(lo, hi) if (nr, j) not in seen)
    return out


def check_label(value: Any, dtype: np.dtype) -> int:
    """An integer label that `dtype` holds (float64 arrays hold int64 labels exactly up to 2**53)."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise PaintError(f"a label must be an integer, got {value!r}")
    v = int(value)
    lo, hi = (-(2**53), 2**53) if dtype.kind == "f" else (np.iinfo(dtype).min, np.iinfo(dtype).max)
    if not lo <= v <= hi:
        raise PaintError(f"label {v} does not fit the layer's dtype {dtype} ([{lo}, {hi}])")
    return v


def check_brush(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.number) or not np.isfinite(value):
        raise ValueError(f"brush_size must be a number, got {value!r}")
    if not MIN_BRUSH <= float(value) <= MAX_BRUSH:
        raise ValueError(f"brush_size must be in [{MIN_BRUSH}, {MAX_BRUSH}] data pixels, got {value}")
    return float(value)


class LabelEditor:
    """Applies edits to one layer's array and keeps its undo/redo history."""

    def __init__(self) -> None:
        self.undo_stack: list[Edit] = []
        self.redo_stack: list[Edit] = []

    def paint(self, data: np.ndarray, centres: np.ndarray, label: int, brush: float, scale: Any) -> Edit | None:
        """Discs at `centres` ((k, ndim) data coords; the leading axes name the plane)."""
        plane_at, ys, xs = _plane_coords(data, centres)
        mask = brush_mask(brush, (float(scale[-2]), float(scale[-1])))
        hy, hx = mask.shape[0] // 2, mask.shape[1] // 2
        h, w = data.shape[-2:]
        cy, cx = np.round(ys).astype(int), np.round(xs).astype(int)
        y0, y1 = max(int(cy.min()) - hy, 0), min(int(cy.max()) + hy + 1, h)
        x0, x1 = max(int(cx.min()) - hx, 0), min(int(cx.max()) + hx + 1, w)
        if y0 >= y1 or x0 >= x1:
            return None  # every disc is outside the data
        # `hit` spans the box plus half a disc on each side; a disc centred at (y, x) starts at (y - y0, x - x0).
        hit = np.zeros((y1 - y0 + 2 * hy, x1 - x0 + 2 * hx), bool)
        for y, x in zip(cy, cx, strict=True):
            oy, ox = int(y) - y0, int(x) - x0
            sy, sx = max(oy, 0), max(ox, 0)
            ey, ex = min(oy + mask.shape[0], hit.shape[0]), min(ox + mask.shape[1], hit.shape[1])
            if sy < ey and sx < ex:
                hit[sy:ey, sx:ex] |= mask[sy - oy : ey - oy, sx - ox : ex - ox]
        inside = hit[hy : hy + y1 - y0, hx : hx + x1 - x0]
        return self._apply(data, (*plane_at, slice(y0, y1), slice(x0, x1)), inside, label)

    def fill(self, data: np.ndarray, coord: np.ndarray, label: int) -> Edit | None:
        """Replace the 4-connected region of the label at `coord` on its plane with `label`."""
        plane_at, ys, xs = _plane_coords(data, coord[None, :])
        y, x = int(np.round(ys[0])), int(np.round(xs[0]))
        h, w = data.shape[-2:]
        if not (0 <= y < h and 0 <= x < w):
            return None
        plane = data[plane_at]
        old = plane[y, x]
        if old == label:
            return None  # napari: nothing to fill
        region = flood(plane == old, y, x)
        rows, cols = np.flatnonzero(region.any(axis=1)), np.flatnonzero(region.any(axis=0))
        y0, y1, x0, x1 = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
        return self._apply(data, (*plane_at, slice(y0, y1), slice(x0, x1)), region[y0:y1, x0:x1], label)

    def undo(self, data: np.ndarray) -> Edit | None:
        return self._replay(data, self.undo_stack, self.redo_stack, "old")

    def redo(self, data: np.ndarray) -> Edit | None:
        return self._replay(data, self.redo_stack, self.undo_stack, "new")

    def _apply(self, data: np.ndarray, box: tuple[Any, ...], where: np.ndarray, label: int) -> Edit | None:
        view = data[box]
        flat = view.reshape(-1)
        index = np.flatnonzero(where.reshape(-1) & (flat != label))
        if len(index) == 0:
            return None
        edit = Edit(box, index, flat[index].copy(), np.full(len(index), label, dtype=data.dtype))
        _write(data, edit, edit.new)
        self.undo_stack = [*self.undo_stack[-(MAX_HISTORY - 1) :], edit]
        self.redo_stack.clear()
        return edit

    def _replay(self, data: np.ndarray, src: list[Edit], dst: list[Edit], which: str) -> Edit | None:
        if not src:
            return None
        edit = src.pop()
        _write(data, edit, getattr(edit, which))
        dst.append(edit)
        return edit


def patch_fields(data: np.ndarray, box: tuple[Any, ...]) -> dict[str, Any]:
    """The `patch_layer_data` fields for the box of `data` an edit changed (src/protocol/control.ts)."""
    start = [b if isinstance(b, int) else int(b.start) for b in box]
    shape = [1 if isinstance(b, int) else int(b.stop - b.start) for b in box]
    region = np.ascontiguousarray(data[box]).reshape(shape)
    return {
        "dtype": data.dtype.name,
        "start": start,
        "shape": shape,
        "nbytes": int(region.nbytes),
        "payload": memoryview(region).cast("B"),
    }


def _write(data: np.ndarray, edit: Edit, values: np.ndarray) -> None:
    view = data[edit.box]  # a view (basic slicing), usually not contiguous: index it, never reshape it
    view[np.unravel_index(edit.index, view.shape)] = values


def _plane_coords(data: np.ndarray, coords: np.ndarray) -> tuple[tuple[int, ...], np.ndarray, np.ndarray]:
    """The plane (indices of the leading axes, from the first coordinate) and the (y, x) columns."""
    if coords.ndim != 2 or coords.shape[1] != data.ndim:
        raise PaintError(f"a coordinate needs {data.ndim} values (the layer's ndim), got {coords.shape[-1]}")
    lead = np.round(coords[0, :-2]).astype(int)
    for axis, (i, n) in enumerate(zip(lead, data.shape[:-2], strict=True)):
        if not 0 <= i < n:
            raise PaintError(f"slice {i} is outside axis {axis} of the labels (size {n})")
    return tuple(int(i) for i in lead), coords[:, -2], coords[:, -1]
