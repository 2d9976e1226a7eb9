"""Canvas overlays as in napari: `viewer.scale_bar` and `viewer.axes`, drawn by the view.

Both live in one synced trait, `overlays` = {"scale_bar": {"visible", "unit"}, "axes": {"visible"}};
the view draws them over the canvas (units of the scale bar: `unit`, else the layers' units).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np
from psygnal import Signal, SignalGroup

from ._events import Event, emit, reported

MAX_UNIT_CHARS = 64


def _visible(owner: str) -> Callable[[Any], bool]:
    def check(value: Any) -> bool:
        if not isinstance(value, bool | np.bool_):
            raise ValueError(f"{owner}.visible must be True or False, got {value!r}")
        return bool(value)

    return check


def _unit(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_UNIT_CHARS:
        raise ValueError(
            f"scale_bar.unit must be None or a string of at most {MAX_UNIT_CHARS} characters, got {value!r}"
        )
    return value.strip() or None  # "" draws the layers' unit, as None does in the view


class ScaleBarEvents(SignalGroup):
    """viewer.scale_bar.events: visible, unit (each emits napari's Event: `event.value`)."""

    visible = Signal(Event)
    unit = Signal(Event)


class AxesEvents(SignalGroup):
    """viewer.axes.events: visible."""

    visible = Signal(Event)


class _Overlay:
    """Validated properties that sync through the viewer's `overlays` trait and fire events."""

    _kind = ""
    _checks: dict[str, Callable[[Any], Any]] = {}

    def __init__(self, changed: Callable[[], None], state: dict[str, Any], events: type[SignalGroup]) -> None:
        object.__setattr__(self, "_changed", changed)
        object.__setattr__(self, "_state", state)
        object.__setattr__(self, "events", events(self))

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in self._state.items())
        return f"{type(self).__name__}({fields})"

    def __setattr__(self, name: str, value: Any) -> None:
        if name not in self._checks:
            names = ", ".join(self._checks)
            raise AttributeError(f"viewer.{self._kind} has no property {name!r} in napari-cuda (it has: {names})")
        self._update({name: value})

    def _update(self, fields: dict[str, Any]) -> None:
        checked = {k: self._checks[k](v) for k, v in fields.items()}
        changed = [k for k, v in checked.items() if self._state[k] != v]
        if not changed:
            return
        self._state.update(checked)
        self._changed()  # synced before listeners run, as the other components do
        emit([(self.events[k], Event(k, self, self._state[k])) for k in changed])

    def _wire(self) -> dict[str, Any]:
        return dict(self._state)


class ScaleBar(_Overlay):
    """napari's scale bar: `visible` (default False) and `unit` (None: the layers' units, from
    the OME-Zarr metadata or `layer.units`). Events: `viewer.scale_bar.events.visible` / `.unit`."""

    _kind = "scale_bar"
    _checks = {"visible": _visible("scale_bar"), "unit": _unit}

    def __init__(self, changed: Callable[[], None]) -> None:
        super().__init__(changed, {"visible": False, "unit": None}, ScaleBarEvents)

    @property
    def visible(self) -> bool:
        """Whether the scale bar is drawn (bottom right of the canvas)."""
        return self._state["visible"]

    @property
    def unit(self) -> str | None:
        """The length unit shown (e.g. "um"); None uses the layers' units."""
        return self._state["unit"]


class Axes(_Overlay):
    """napari's axes overlay: `visible` (default False) draws the displayed axes with their labels,
    in 2D and 3D (following the camera's angles). Events: `viewer.axes.events.visible`."""

    _kind = "axes"
    _checks = {"visible": _visible("axes")}

    def __init__(self, changed: Callable[[], None]) -> None:
        super().__init__(changed, {"visible": False}, AxesEvents)

    @property
    def visible(self) -> bool:
        """Whether the axes are drawn."""
        return self._state["visible"]


class Overlays:
    """The viewer's overlays (the `overlays` trait): `scale_bar` and `axes`."""

    def __init__(self, notify: Callable[[Any], None]) -> None:
        self._notify = notify
        self._last = {"scale_bar": {"visible": False, "unit": None}, "axes": {"visible": False}}
        self.scale_bar = ScaleBar(self._changed)
        self.axes = Axes(self._changed)

    def __repr__(self) -> str:
        return f"Overlays(scale_bar={self.scale_bar!r}, axes={self.axes!r})"

    def _changed(self) -> None:
        old, self._last = self._last, self._wire()
        self._notify(old)

    def _wire(self) -> dict[str, Any]:
        return {"scale_bar": self.scale_bar._wire(), "axes": self.axes._wire()}

    def _apply_wire(self, value: Any) -> None:
        """Take overlays written by a view (validated like user input; all or nothing)."""
        if not isinstance(value, dict):
            raise ValueError(f"overlays must be an object, got {value!r}")
        updates: list[tuple[_Overlay, dict[str, Any]]] = []
        for name, overlay in (("scale_bar", self.scale_bar), ("axes", self.axes)):
            entry = value.get(name, {})
            if not isinstance(entry, dict):
                raise ValueError(f"overlays.{name} must be an object, got {entry!r}")
            fields = {k: entry[k] for k in overlay._checks if k in entry}
            for k, v in fields.items():
                overlay._checks[k](v)  # raises before anything changes
            updates.append((overlay, fields))
        with reported():  # a raising listener is logged: the view's write still applies
            for overlay, fields in updates:
                overlay._update(copy.deepcopy(fields))
