"""A Points layer's "current" style (napari's `current_size`, `current_face_color`,
`current_border_color`, `current_symbol`): what a new point gets. Setting one also restyles the
selected points (napari's rule: the layer controls edit the selection and the next points alike)
and fires `events.current_<name>`; the values travel in the layer's state entry so that the
view's layer panel can show them (Points._wire).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _events
from . import _point_values as pv
from ._errors import public


def hex_color(rgba: np.ndarray) -> str:
    """'#rrggbbaa' of an RGBA byte row."""
    return "#" + "".join(f"{int(c):02x}" for c in rgba)


def _one(name: str, value: Any) -> Any:
    """One value (not one per point): a per-point array is refused with a clear message."""
    if isinstance(value, str) or np.ndim(value) == 0:
        return value
    if name.endswith("color") and np.ndim(value) == 1 and len(value) in (3, 4):
        return value
    raise ValueError(f"current_{name} is one value (what a new point gets), got {value!r:.80}")


class CurrentStyle:
    """Mixin of Points: the current_* properties (napari's names and events)."""

    _current: dict[str, Any]
    _selected: set[int]
    _size: np.ndarray
    _face: np.ndarray
    _border: np.ndarray
    _symbol: np.ndarray
    _owner: Any
    events: Any

    def _changed(self, name: str) -> None:  # Points'
        raise NotImplementedError

    @property
    def current_size(self) -> float:
        """The size (diameter, data units) a new point gets; setting it resizes the selected points."""
        return float(self._current["size"])

    @current_size.setter
    @public
    def current_size(self, value: Any) -> None:
        size = float(pv.sizes(_one("size", value), 1)[0])
        self._restyle("size", size, "_size", size)

    @property
    def current_face_color(self) -> str:
        """The face colour a new point gets, as '#rrggbbaa'; setting it recolours the selected points."""
        return hex_color(self._current["face"])

    @current_face_color.setter
    @public
    def current_face_color(self, value: Any) -> None:
        rgba = pv.colors("face_color", _one("face_color", value), 1)[0]
        self._restyle("face", rgba, "_face", rgba, event="face_color")

    @property
    def current_border_color(self) -> str:
        """The border colour a new point gets, as '#rrggbbaa'; setting it recolours the selected points."""
        return hex_color(self._current["border"])

    @current_border_color.setter
    @public
    def current_border_color(self, value: Any) -> None:
        rgba = pv.colors("border_color", _one("border_color", value), 1)[0]
        self._restyle("border", rgba, "_border", rgba, event="border_color")

    @property
    def current_symbol(self) -> str:
        """The symbol a new point gets (napari's name); setting it changes the selected points' symbol."""
        return pv.SYMBOLS[int(self._current["symbol"])]

    @current_symbol.setter
    @public
    def current_symbol(self, value: Any) -> None:
        if not (isinstance(value, str) or hasattr(value, "value")):
            raise ValueError(f"current_symbol is one symbol name, got {value!r:.80}")
        index = float(pv.SYMBOLS.index(pv.symbol_name(value)))
        self._restyle("symbol", index, "_symbol", index)

    def _restyle(self, key: str, current: Any, column: str, value: Any, event: str | None = None) -> None:
        """Set the current `key`, then the selected points' `column` (one change of the points)."""
        self._set_current(key, current)
        if self._selected:
            col = getattr(self, column).copy()
            col[sorted(self._selected)] = value
            setattr(self, column, col)
            self._changed(event or key)

    def _set_current(self, key: str, value: Any) -> None:
        """Keep the current `key` (the view's panel shows it); fires events.current_<name> on a change."""
        old = self._current[key]
        self._current[key] = value
        if np.array_equal(old, value):
            return
        if self._owner is not None:
            self._owner._layer_changed()
        name = {"face": "face_color", "border": "border_color"}.get(key, key)
        _events.fire(self.events, [f"current_{name}"], self)

    def _current_wire(self) -> dict[str, Any]:
        """The current values in the layer's state entry (the view's panel reads them)."""
        return {
            "current_size": self.current_size,
            "current_face_color": self.current_face_color,
            "current_border_color": self.current_border_color,
            "current_symbol": self.current_symbol,
        }
