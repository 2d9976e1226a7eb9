"""Points layers (napari's): markers at n-D coordinates, drawn by the daemon.

The kernel holds the points (coordinates, sizes, colours, symbols as numpy columns); every change
sends the whole table to the daemon (`set_points`: count x (ndim + 4) float64, see
src/protocol/points.ts), which draws the markers as vispy does for napari
(src/daemon/render/points-draw.ts). Display properties live in the layer state like an image's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _events
from . import _point_values as pv
from . import _validate as v
from ._errors import public
from ._point_current import CurrentStyle

# Layer properties a view may write back.
VIEW_KEYS = ("name", "visible", "opacity", "blending", "out_of_slice_display", "mode")
# napari's Points modes that napari-cuda has (napari also has transform).
MODES = ("pan_zoom", "add", "select")
# Selected points whose place the views get, to highlight them and move them while dragging.
MAX_SHOWN_SELECTED = 1000


def mode(value: Any) -> str:
    name = str(getattr(value, "value", value))
    if name not in MODES:
        raise ValueError(f"a Points layer's mode must be one of {', '.join(MODES)}, got {value!r}")
    return name


# Properties kept in the layer state, with their validators.
STATE_SETTERS = {
    "name": v.name,
    "visible": v.visible,
    "opacity": v.opacity,
    "blending": v.blending,
    "mode": mode,
}


class PointsEvents(_events.LayerEvents):
    """points.events: napari's Points events (data fires once per change of the points)."""

    data = _events._signal()
    size = _events._signal()
    face_color = _events._signal()
    border_color = _events._signal()
    border_width = _events._signal()
    border_width_is_relative = _events._signal()
    symbol = _events._signal()
    out_of_slice_display = _events._signal()
    mode = _events._signal()
    highlight = _events._signal()  # napari's: the selection changed (value: selected_data)
    current_size = _events._signal()
    current_face_color = _events._signal()
    current_border_color = _events._signal()
    current_symbol = _events._signal()


class PointsSource:
    """What the link sends for a Points layer: its whole table (set_points)."""

    def __init__(self, layer: Points) -> None:
        self._layer = layer
        self.levels: list[Any] = []

    def request(self) -> tuple[str, dict[str, Any]]:
        table = self._layer._table()
        n, columns = table.shape
        return "set_points", {
            "count": int(n),
            "ndim": int(columns - 4),
            "nbytes": int(table.nbytes),
            "payload": table.tobytes() if n == 0 else memoryview(table).cast("B"),
        }

    def opened(self, _result: Any) -> None:
        """Nothing to learn from the reply."""

    def close(self) -> None:
        """Nothing to free."""


def _state_prop(key: str, doc: str) -> property:
    def get(self: Points) -> Any:
        return self._state[key]

    def set_(self: Points, value: Any) -> None:
        self._set_state(**{key: value})

    return property(get, public(set_), doc=doc)


class Points(CurrentStyle):
    """A points layer: `data` (N, D) coordinates in data units, napari's properties and defaults:
    `size` (10), `face_color` ('white'), `border_color` ('dimgray'), `border_width` (0.05, a
    fraction of the size while `border_width_is_relative`), `symbol` ('o'), `opacity` (1),
    `out_of_slice_display` (False), `blending` ('translucent'). Sizes and colours are per point
    (one value sets every point). `events.<property>` fires once per change; `add(coords)` appends.
    `current_size`, `current_face_color`, `current_border_color`, `current_symbol` (napari's): what a
    new point gets; setting one restyles the selected points too (_point_current.py).
    """

    name = _state_prop("name", "Layer name (unique within a viewer).")
    visible = _state_prop("visible", "Whether the layer is drawn.")
    opacity = _state_prop("opacity", "Opacity in [0, 1].")
    blending = _state_prop("blending", "napari blending: translucent, translucent_no_depth, additive, opaque.")
    mode = _state_prop("mode", "napari's mode: 'pan_zoom' (default), 'add' or 'select' (views follow).")

    def __init__(self, layer_id: str, data: np.ndarray, state: dict[str, Any], per_point: dict[str, Any]) -> None:
        self._id = layer_id
        self._state = state
        self._owner: Any = None
        self._view_keys = VIEW_KEYS
        self.events = PointsEvents(self)
        self._source = PointsSource(self)
        self._coords = data
        n = len(data)
        # The values a new point gets (napari's "current_*"), and each point's own.
        self._current = {
            "size": float(pv.sizes(per_point["size"], 1)[0]) if np.ndim(per_point["size"]) == 0 else 10.0,
            "face": pv.colors(
                "face_color", per_point["face_color"] if _single(per_point["face_color"]) else "white", 1
            )[0],
            "border": pv.colors(
                "border_color", per_point["border_color"] if _single(per_point["border_color"]) else "dimgray", 1
            )[0],
            "symbol": float(pv.symbols(per_point["symbol"], 1)[0]) if isinstance(per_point["symbol"], str) else 4.0,
        }
        self._size = pv.sizes(per_point["size"], n)
        self._face = pv.colors("face_color", per_point["face_color"], n)
        self._border = pv.colors("border_color", per_point["border_color"], n)
        self._symbol = pv.symbols(per_point["symbol"], n)
        self._selected: set[int] = set()

    def __repr__(self) -> str:
        return f"<Points layer {self.name!r} n={len(self._coords)} ndim={self.ndim}>"

    # -- the points ----------------------------------------------------------------------------
    @property
    def data(self) -> np.ndarray:
        """(N, D) coordinates in data units (a copy; assign to change them)."""
        return self._coords.copy()

    @data.setter
    @public
    def data(self, value: Any) -> None:
        new = pv.coords(value, self.ndim)
        n_old, n = len(self._coords), len(new)
        if n != n_old:
            keep = min(n, n_old)
            extra = n - keep
            self._size = np.concatenate([self._size[:keep], np.full(extra, self._current["size"])])
            self._face = np.concatenate([self._face[:keep], np.tile(self._current["face"], (extra, 1))])
            self._border = np.concatenate([self._border[:keep], np.tile(self._current["border"], (extra, 1))])
            self._symbol = np.concatenate([self._symbol[:keep], np.full(extra, self._current["symbol"])])
        self._coords = new
        self._selected = {i for i in self._selected if i < n}
        self._changed("data")

    @public
    def add(self, coords: Any) -> None:
        """Append points (napari's `add`), with the current size, colours and symbol."""
        new = pv.coords(coords, self.ndim)
        self.data = np.concatenate([self._coords, new]) if len(new) else self._coords

    @property
    def selected_data(self) -> set[int]:
        """napari's: indices of the selected points (select mode: click, shift-click); a copy."""
        return set(self._selected)

    @selected_data.setter
    @public
    def selected_data(self, value: Any) -> None:
        n = len(self._coords)
        try:
            new = {int(i) for i in value}
        except (TypeError, ValueError):
            raise ValueError(f"selected_data must be point indices, got {value!r:.80}") from None
        bad = sorted(i for i in new if not 0 <= i < n)
        if bad:
            raise ValueError(f"selected_data: no point {bad[0]} (the layer has {n})")
        if new != self._selected:
            self._selected = new
            self._show_selection()
            _events.emit([(self.events.highlight, _events.Event("highlight", self, self.selected_data))])

    @public
    def remove_selected(self) -> None:
        """napari's: delete the selected points (one data change)."""
        if not self._selected:
            return
        keep = np.setdiff1d(np.arange(len(self._coords)), sorted(self._selected))
        self._take(keep)

    def _take(self, keep: np.ndarray) -> None:
        """Keep the points `keep` (indices, in order) with their own sizes and colours; selection cleared."""
        self._size, self._face, self._border = self._size[keep], self._face[keep], self._border[keep]
        self._symbol = self._symbol[keep]
        self._coords = self._coords[keep]
        self._selected = set()
        self._changed("data")

    def _move_selected(self, delta: np.ndarray) -> None:
        """Shift the selected points by `delta` (data units, every axis): one data change."""
        if not self._selected:
            return
        moved = self._coords.copy()
        moved[sorted(self._selected)] += delta
        self._coords = pv.coords(moved, self.ndim)
        self._changed("data")

    @property
    def ndim(self) -> int:
        """Number of coordinates of each point."""
        return int(self._coords.shape[1])

    @property
    def size(self) -> np.ndarray:
        """(N,) diameters in data units; set one number for all or one per point."""
        return self._size.copy()

    @size.setter
    @public
    def size(self, value: Any) -> None:
        self._size = pv.sizes(value, len(self._coords))
        if np.ndim(value) == 0:
            self._set_current("size", float(pv.sizes(value, 1)[0]))
        self._changed("size")

    @property
    def face_color(self) -> np.ndarray:
        """(N, 4) RGBA in [0, 1]; set a colour name, RGB(A), or one per point."""
        return self._face.astype(np.float64) / 255

    @face_color.setter
    @public
    def face_color(self, value: Any) -> None:
        self._face = pv.colors("face_color", value, len(self._coords))
        if _single(value):
            self._set_current("face", pv.colors("face_color", value, 1)[0])
        self._changed("face_color")

    @property
    def border_color(self) -> np.ndarray:
        """(N, 4) RGBA in [0, 1] of the borders."""
        return self._border.astype(np.float64) / 255

    @border_color.setter
    @public
    def border_color(self, value: Any) -> None:
        self._border = pv.colors("border_color", value, len(self._coords))
        if _single(value):
            self._set_current("border", pv.colors("border_color", value, 1)[0])
        self._changed("border_color")

    @property
    def symbol(self) -> np.ndarray:
        """(N,) symbol names (napari's); set a name/alias for all or one per point."""
        return np.array([pv.SYMBOLS[int(i)] for i in self._symbol], dtype=object)

    @symbol.setter
    @public
    def symbol(self, value: Any) -> None:
        self._symbol = pv.symbols(value, len(self._coords))
        if isinstance(value, str):
            self._set_current("symbol", float(pv.SYMBOLS.index(pv.symbol_name(value))))
        self._changed("symbol")

    @property
    def border_width(self) -> float:
        """Border width: a fraction of each size (relative), else data units."""
        return self._state["border_width"]

    @border_width.setter
    @public
    def border_width(self, value: Any) -> None:
        self._set_state(border_width=pv.border_width(value, self.border_width_is_relative))

    @property
    def border_width_is_relative(self) -> bool:
        """Whether border_width is a fraction of the size (napari's default) or data units."""
        return self._state["border_width_is_relative"]

    @border_width_is_relative.setter
    @public
    def border_width_is_relative(self, value: Any) -> None:
        self._set_state(border_width_is_relative=v.visible(value))

    @property
    def out_of_slice_display(self) -> bool:
        """Show points of nearby slices, smaller with their distance (napari's rule)."""
        return self._state["out_of_slice_display"]

    @out_of_slice_display.setter
    @public
    def out_of_slice_display(self, value: Any) -> None:
        self._set_state(out_of_slice_display=v.visible(value))

    # -- placement -----------------------------------------------------------------------------
    @property
    def scale(self) -> tuple[float, ...]:
        return tuple(self._state["scale"])

    @scale.setter
    @public
    def scale(self, value: Any) -> None:
        self._set_state(scale=v.scale(value, self.ndim))

    @property
    def translate(self) -> tuple[float, ...]:
        return tuple(self._state["translate"])

    @translate.setter
    @public
    def translate(self, value: Any) -> None:
        self._set_state(translate=v.translate(value, self.ndim))

    @property
    def units(self) -> tuple[str, ...]:
        return tuple(self._state.get("units") or [""] * self.ndim)

    @property
    def shape(self) -> tuple[int, ...]:
        """Slices the points span per axis (the dims sliders' range): floor(max) + 1, at least 1."""
        if len(self._coords) == 0:
            return (1,) * self.ndim
        return tuple(max(1, int(np.floor(m)) + 1) for m in self._coords.max(axis=0))

    def _world_box(self, ndisplay: int) -> tuple[list[float | None], list[float | None]]:
        """World box of the displayed axes, sizes included (camera fit)."""
        if len(self._coords) == 0:
            return [None] * ndisplay, [None] * ndisplay
        c = self._coords[:, -ndisplay:] * np.array(self.scale[-ndisplay:]) + np.array(self.translate[-ndisplay:])
        half = (self._size.max() / 2) * float(np.mean(self.scale[-ndisplay:]))
        return [float(x) - half for x in c.min(axis=0)], [float(x) + half for x in c.max(axis=0)]

    # -- plumbing ------------------------------------------------------------------------------
    def _table(self) -> np.ndarray:
        n = len(self._coords)
        table = np.empty((n, self.ndim + 4), np.float64)
        table[:, : self.ndim] = self._coords
        table[:, self.ndim] = self._size
        table[:, self.ndim + 1] = pv.packed(self._face)
        table[:, self.ndim + 2] = pv.packed(self._border)
        table[:, self.ndim + 3] = self._symbol
        return table

    def _changed(self, name: str) -> None:
        viewer = getattr(self._owner, "viewer", None)
        if viewer is not None:
            viewer._link.upload_source(self._id, self._source)
            if name == "data":
                viewer.dims._set_shapes([lyr.shape for lyr in viewer.layers], first_layer=False)
        if name == "data":
            # A new version: each view sends its state again under a new seq, so the first frame with
            # that seq shows the change (the browser's overlay of an edit stays until then).
            self._state = {**self._state, "data_version": int(self._state.get("data_version", 0)) + 1}
            self._show_selection()
        _events.fire(self.events, [name], self)

    def _show_selection(self) -> None:
        """Put the selected points' places (up to MAX_SHOWN_SELECTED) in the layer state: views highlight them."""
        shown = sorted(self._selected)[:MAX_SHOWN_SELECTED]
        selected = {
            "count": len(self._selected),
            "coords": self._coords[shown].tolist(),
            "sizes": self._size[shown].tolist(),
        }
        self._state = {**self._state, "selected": selected}
        if self._owner is not None:
            self._owner._layer_changed()

    def _set_state(self, **fields: Any) -> None:
        for key, value in fields.items():
            if key in STATE_SETTERS:
                fields[key] = STATE_SETTERS[key](value)
        if "name" in fields and self._owner is not None:
            fields["name"] = self._owner._unique_name(fields["name"], exclude=self)
        changed = [k for k, val in fields.items() if self._state.get(k) != val]
        if not changed:
            return
        self._state = {**self._state, **fields}
        if self._owner is not None:
            self._owner._layer_changed()
        _events.fire(self.events, changed, self)

    def _apply_view(self, entry: dict[str, Any]) -> None:
        changes = {k: entry[k] for k in self._view_keys if k in entry and entry[k] != self._state.get(k)}
        if "out_of_slice_display" in changes:
            changes["out_of_slice_display"] = v.visible(changes["out_of_slice_display"])
        if changes:
            self._set_state(**changes)

    def _set_data_level(self, level: Any) -> None:
        """Points have no pyramid levels."""

    def _wire(self) -> dict[str, Any]:
        wire = {k: list(val) if isinstance(val, list) else val for k, val in self._state.items()}
        # `shape`: the slices the points span (what the widget fits on a double-click), not the table's.
        shape = {"shape": list(self.shape), "dtype": "float64", "count": len(self._coords)}
        return {**wire, **shape, **self._current_wire()}


def _current_color(name: str, value: Any, default: str) -> np.ndarray:
    """The colour new points get: the given one when it is a single colour, else napari's default."""
    return pv.colors(name, value if _single(value) else default, 1)[0]


def _single(value: Any) -> bool:
    """One colour for every point (a name, or 3/4 numbers)."""
    return isinstance(value, str) or (np.ndim(value) == 1 and len(value) in (3, 4) and not isinstance(value[0], str))


def points_state(layer_id: str, ndim: int, p: dict[str, Any]) -> dict[str, Any]:
    """The LayerState of a new points layer (image fields it leaves unused get fixed values)."""
    relative = v.visible(p["border_width_is_relative"])
    return {
        "id": layer_id,
        "name": v.name(p["name"] if p["name"] is not None else "Points"),
        "visible": v.visible(p["visible"]),
        "opacity": v.opacity(p["opacity"]),
        "colormap": "gray",
        "colormap_lut": None,
        "contrast_limits": [0.0, 1.0],
        "gamma": 1.0,
        "interpolation": "nearest",
        "blending": v.blending(p["blending"]),
        "scale": v.scale(p["scale"], ndim) if p["scale"] is not None else [1.0] * ndim,
        "translate": v.translate(p["translate"], ndim) if p["translate"] is not None else [0.0] * ndim,
        "rendering": "mip",
        "attenuation": 0.05,
        "iso_threshold": 0.5,
        "locked_data_level": None,
        "kind": "points",
        "border_width": pv.border_width(p["border_width"], relative),
        "border_width_is_relative": relative,
        "out_of_slice_display": v.visible(p["out_of_slice_display"]),
        "antialiasing": 1.0,
        "mode": "pan_zoom",
        "data_version": 0,
        "selected": {"count": 0, "coords": [], "sizes": []},
        "units": [""] * ndim,
        "bounding_box": {"visible": False},
    }
