"""Image layer properties beyond the daemon's: checking new values, the bounding box overlay, view writes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from . import _events
from . import _validate as v
from ._colormaps import resolve
from ._errors import public

# Property name -> validator for the LayerState fields that need nothing else (see checked()).
SETTERS: dict[str, Callable[[Any], Any]] = {
    "name": v.name,
    "visible": v.visible,
    "opacity": v.opacity,
    "contrast_limits": v.contrast_limits,
    "gamma": v.gamma,
    "interpolation": v.interpolation,
    "blending": v.blending,
    "rendering": v.rendering,
    "attenuation": v.attenuation,
    "iso_threshold": v.iso_threshold,
}
# What a view may write back: display properties only (never data, scale, translate or units).
VIEW_KEYS = (*SETTERS, "colormap", "locked_data_level", "bounding_box")
# State keys announced under another event: a colormap is its name and its LUT, one change.
EVENT_OF = {"colormap_lut": "colormap"}


def checked(
    fields: dict[str, Any],
    ndim: int,
    level_count: int,
    state: dict[str, Any],
    extra: dict[str, Callable[[Any], Any]] | None = None,
) -> dict[str, Any]:
    """Validated state entries for a layer's new property values: a colormap gives `colormap` and
    `colormap_lut`; contrast limits outside `contrast_limits_range` widen it (napari). `extra`:
    validators of the layer type's own properties (Labels)."""
    out: dict[str, Any] = {}
    for key, value in fields.items():
        if extra and key in extra:
            out[key] = extra[key](value)
        elif key == "colormap":
            # The current pair: its own name keeps a custom colormap (e.g. written back by a view).
            out["colormap"], out["colormap_lut"] = resolve(value, (state["colormap"], state.get("colormap_lut")))
        elif key == "locked_data_level":
            out[key] = v.locked_data_level(value, level_count)
        elif key == "scale":
            out[key] = v.scale(value, ndim)
        elif key == "translate":
            out[key] = v.translate(value, ndim)
        elif key == "units":
            out[key] = v.units(value, ndim)
        elif key == "bounding_box":
            out[key] = v.bounding_box(value)
        elif key in SETTERS:
            out[key] = SETTERS[key](value)
        else:
            raise AttributeError(f"the layer has no settable property {key!r}")
    if "contrast_limits" in out:
        wider = expanded_range(out["contrast_limits"], state.get("contrast_limits_range"))
        if wider is not None:
            out["contrast_limits_range"] = wider
    return out


def expanded_range(limits: list[float], current: Any) -> list[float] | None:
    """napari widens contrast_limits_range to hold new contrast limits; None when it already does."""
    if not isinstance(current, list | tuple) or len(current) != 2:
        return None
    lo, hi = min(current[0], limits[0]), max(current[1], limits[1])
    return None if [lo, hi] == list(current) else [float(lo), float(hi)]


class _Layer(Protocol):
    _state: dict[str, Any]

    def _set(self, **fields: Any) -> None: ...


class BoundingBox:
    """layer.bounding_box (napari's overlay): `visible` draws the layer's data box; it syncs to
    every view and `events.visible` fires once per change."""

    def __init__(self, layer: _Layer) -> None:
        self._layer = layer
        self.events = _events.BoundingBoxEvents(self)

    def __repr__(self) -> str:
        return f"BoundingBox(visible={self.visible})"

    @property
    def visible(self) -> bool:
        """Whether the layer's bounding box is drawn (default False)."""
        state = self._layer._state.get("bounding_box")
        return bool(state.get("visible", False)) if isinstance(state, dict) else False

    @visible.setter
    @public
    def visible(self, value: Any) -> None:
        self._layer._set(bounding_box={"visible": value})
